-- Schedules (issue 18): cron schedules that enqueue a workflow trigger or a queue message at each tick, fired exactly
-- once across every process. New tables only (DECISIONS 18): pgqrs (Rust/Python) never reads them. Re-runnable.

-- One schedule: its definition, and where firing stands (next_run_at: the next tick to fire, NULL when none is left).
-- A schedule targets a workflow (workflow_id set; queue_id is the workflow's queue) or a queue (workflow_id NULL).
CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_schedules (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL DEFAULT 'UTC',
  workflow_id BIGINT NULL REFERENCES {{schema}}.pgqrs_workflows (id) ON DELETE CASCADE,
  queue_id BIGINT NOT NULL REFERENCES {{schema}}.pgqrs_queues (id) ON DELETE CASCADE,
  input JSONB NULL,
  payload JSONB NULL,
  overlap TEXT NOT NULL DEFAULT 'skip',
  catch_up TEXT NOT NULL DEFAULT 'latest',
  start_at TIMESTAMPTZ NULL,
  end_at TIMESTAMPTZ NULL,
  paused BOOLEAN NOT NULL DEFAULT FALSE,
  next_run_at TIMESTAMPTZ NULL,
  last_run_at TIMESTAMPTZ NULL,
  last_status TEXT NULL,
  last_message_id BIGINT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_pgqrs_schedules_name ON {{schema}}.pgqrs_schedules (name);
-- The firing task's one statement: the earliest due, unpaused schedules.
CREATE INDEX IF NOT EXISTS idx_pgqrs_schedules_due
  ON {{schema}}.pgqrs_schedules (next_run_at) WHERE NOT paused AND next_run_at IS NOT NULL;
-- The cascades of deleting a workflow or a queue.
CREATE INDEX IF NOT EXISTS idx_pgqrs_schedules_workflow ON {{schema}}.pgqrs_schedules (workflow_id)
  WHERE workflow_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_pgqrs_schedules_queue ON {{schema}}.pgqrs_schedules (queue_id);
COMMENT ON TABLE {{schema}}.pgqrs_schedules IS 'pgqrs for TypeScript: cron schedules of workflow triggers and queue messages';

-- One row per tick handled: the primary key is what makes each (schedule, tick) fire exactly once, whichever process
-- gets there first (the others' inserts conflict and they enqueue nothing). status: 'fired' or 'skipped' (overlap).
CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_schedule_ticks (
  schedule_id BIGINT NOT NULL REFERENCES {{schema}}.pgqrs_schedules (id) ON DELETE CASCADE,
  tick_at TIMESTAMPTZ NOT NULL,
  status TEXT NOT NULL,
  message_id BIGINT NULL,
  fired_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (schedule_id, tick_at)
);
COMMENT ON TABLE {{schema}}.pgqrs_schedule_ticks IS 'pgqrs for TypeScript: the ticks of schedules, each fired once';
