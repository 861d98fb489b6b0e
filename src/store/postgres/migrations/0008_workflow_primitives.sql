-- The durable workflow primitives (issue 15): waits that pause a run, messages to a run, events of a run, child
-- runs and idempotent triggers. Additive only (new columns with defaults or NULL, new tables), so Rust/Python
-- pgqrs processes keep working against the same tables. Re-runnable: every object is created only when missing.

-- A run started by another run (`run.startChild`); a deleted parent leaves its children in place.
ALTER TABLE {{schema}}.pgqrs_workflow_runs
  ADD COLUMN IF NOT EXISTS parent_run_id BIGINT NULL REFERENCES {{schema}}.pgqrs_workflow_runs (id) ON DELETE SET NULL,
  ADD COLUMN IF NOT EXISTS idempotency_key TEXT NULL,
  ADD COLUMN IF NOT EXISTS waiting_for JSONB NULL;
COMMENT ON COLUMN {{schema}}.pgqrs_workflow_runs.waiting_for IS
  'pgqrs for TypeScript: what a PAUSED run waits for (kind, until, topic, childRunId, name); NULL otherwise';

-- One run per (workflow, trigger key): concurrent triggers with one key converge on this index.
CREATE UNIQUE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_idempotency
  ON {{schema}}.pgqrs_workflow_runs (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Child runs of a run (cancellation of a tree, admin listings, the parent foreign key's ON DELETE SET NULL).
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_parent
  ON {{schema}}.pgqrs_workflow_runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

-- What operation a step row records; rows written by pgqrs (Rust/Python) are plain steps.
ALTER TABLE {{schema}}.pgqrs_workflow_steps ADD COLUMN IF NOT EXISTS kind VARCHAR(32) NOT NULL DEFAULT 'step';

-- Messages sent to a run, each consumed once by a `recv` step.
CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_workflow_messages (
  id BIGSERIAL PRIMARY KEY,
  run_id BIGINT NOT NULL REFERENCES {{schema}}.pgqrs_workflow_runs (id) ON DELETE CASCADE,
  topic VARCHAR(255) NOT NULL,
  payload JSONB,
  idempotency_key TEXT NULL,
  sender_run_id BIGINT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  consumed_at TIMESTAMPTZ NULL,
  consumed_by_step VARCHAR(255) NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_pgqrs_workflow_messages_idempotency
  ON {{schema}}.pgqrs_workflow_messages (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The oldest unconsumed message of (run, topic): what `recv` takes and a suspension checks.
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_messages_pending
  ON {{schema}}.pgqrs_workflow_messages (run_id, topic, id) WHERE consumed_at IS NULL;
-- All messages of a run: listings, and the cascade when runs are deleted (a purge must not scan per run).
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_messages_run ON {{schema}}.pgqrs_workflow_messages (run_id, id);
COMMENT ON TABLE {{schema}}.pgqrs_workflow_messages IS 'pgqrs for TypeScript: messages sent to workflow runs';

-- Events of a run: one row per key, last write wins.
CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_workflow_events (
  run_id BIGINT NOT NULL REFERENCES {{schema}}.pgqrs_workflow_runs (id) ON DELETE CASCADE,
  key VARCHAR(255) NOT NULL,
  value JSONB,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (run_id, key)
);
COMMENT ON TABLE {{schema}}.pgqrs_workflow_events IS 'pgqrs for TypeScript: events of workflow runs';
