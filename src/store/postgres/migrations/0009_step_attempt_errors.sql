-- Errors retry by default (issue 16): each failed execution of a step keeps its error, appended by the failing
-- write itself. Additive only (a NULL column), so Rust/Python pgqrs processes keep working against the same table;
-- re-runnable.
ALTER TABLE {{schema}}.pgqrs_workflow_steps ADD COLUMN IF NOT EXISTS attempt_errors JSONB NULL;
COMMENT ON COLUMN {{schema}}.pgqrs_workflow_steps.attempt_errors IS
  'pgqrs for TypeScript: the error of each failed execution, oldest first: [{attempt, at, error}]; NULL until one fails';
