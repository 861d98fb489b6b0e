-- The durable workflow primitives (issue 15): waits that pause a run, messages to a run, events of a run, child
-- runs and idempotent triggers. Timestamps are TEXT as in 0001; JSON columns are TEXT. Rows pgqrs (Rust/Python)
-- writes get the defaults: no parent, no key, not waiting, steps of kind 'step'.

ALTER TABLE pgqrs_workflow_runs ADD COLUMN parent_run_id INTEGER NULL REFERENCES pgqrs_workflow_runs(id) ON DELETE SET NULL;
ALTER TABLE pgqrs_workflow_runs ADD COLUMN idempotency_key TEXT NULL;
-- JSON of a RunWaitingFor while the run is PAUSED ('until' in the timestamp form above), else NULL.
ALTER TABLE pgqrs_workflow_runs ADD COLUMN waiting_for TEXT NULL;
ALTER TABLE pgqrs_workflow_steps ADD COLUMN kind TEXT NOT NULL DEFAULT 'step';

CREATE UNIQUE INDEX IF NOT EXISTS idx_workflow_runs_idempotency
  ON pgqrs_workflow_runs (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Child runs of a run; also what the ON DELETE SET NULL of parent_run_id looks up.
CREATE INDEX IF NOT EXISTS idx_workflow_runs_parent
  ON pgqrs_workflow_runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS pgqrs_workflow_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES pgqrs_workflow_runs(id) ON DELETE CASCADE,
  topic TEXT NOT NULL,
  payload TEXT,
  idempotency_key TEXT NULL,
  sender_run_id INTEGER NULL,
  created_at TEXT NOT NULL,
  consumed_at TEXT NULL,
  consumed_by_step TEXT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS idx_workflow_messages_idempotency
  ON pgqrs_workflow_messages (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- recv: the oldest unconsumed message of (run, topic).
CREATE INDEX IF NOT EXISTS idx_workflow_messages_pending
  ON pgqrs_workflow_messages (run_id, topic, id) WHERE consumed_at IS NULL;
-- A run's messages in order, and the lookup of the ON DELETE CASCADE from runs (the partial indexes cannot serve it:
-- deleting a queue's runs would scan the whole table once per run).
CREATE INDEX IF NOT EXISTS idx_workflow_messages_run ON pgqrs_workflow_messages (run_id, id);

CREATE TABLE IF NOT EXISTS pgqrs_workflow_events (
  run_id INTEGER NOT NULL REFERENCES pgqrs_workflow_runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
