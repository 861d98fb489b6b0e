-- Retention (issue 18): per-queue retention periods. A queue without a row uses the documented defaults (archived
-- 7 days, dead letters 30 days, finished runs 30 days); a NULL period keeps that kind of row forever. A workflow's
-- policy is its queue's. Additive for pgqrs (Rust/Python): a new table only. Re-runnable.
CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_retention (
  queue_id BIGINT PRIMARY KEY REFERENCES {{schema}}.pgqrs_queues (id) ON DELETE CASCADE,
  archived_ms BIGINT NULL,
  dead_letters_ms BIGINT NULL,
  finished_runs_ms BIGINT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE {{schema}}.pgqrs_retention IS
  'pgqrs for TypeScript: per-queue retention periods in ms (NULL: keep forever); queues without a row use the defaults';
