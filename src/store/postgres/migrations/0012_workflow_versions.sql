-- Workflow versions (issue 16): a run records the version of the definition that triggered it (the trigger
-- payload's `version`, `{ input, version }`); a worker of a version claims only runs of its version or of none.
-- Additive for pgqrs (Rust/Python): one NULL column (its runs stay NULL: run by any worker), an index under a name
-- pgqrs does not use. Re-runnable.
ALTER TABLE {{schema}}.pgqrs_workflow_runs ADD COLUMN IF NOT EXISTS version TEXT NULL;
-- `listRuns({ version })` / `workflow runs --version`, newest first; partial, so unversioned runs cost it nothing.
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_version_created
  ON {{schema}}.pgqrs_workflow_runs (version, created_at, id) WHERE version IS NOT NULL;
