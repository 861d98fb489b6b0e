-- Schedules (issue 18): cron schedules that enqueue a workflow trigger or a queue message at each tick, fired exactly
-- once (the primary key of pgqrs_schedule_ticks). New tables only: pgqrs (Rust/Python) never reads them. JSON is TEXT.
CREATE TABLE IF NOT EXISTS pgqrs_schedules (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL DEFAULT 'UTC',
  workflow_id INTEGER NULL REFERENCES pgqrs_workflows(id) ON DELETE CASCADE,
  queue_id INTEGER NOT NULL REFERENCES pgqrs_queues(id) ON DELETE CASCADE,
  input TEXT NULL,
  payload TEXT NULL,
  overlap TEXT NOT NULL DEFAULT 'skip',
  catch_up TEXT NOT NULL DEFAULT 'latest',
  start_at TEXT NULL,
  end_at TEXT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  next_run_at TEXT NULL,
  last_run_at TEXT NULL,
  last_status TEXT NULL,
  last_message_id INTEGER NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_schedules_name ON pgqrs_schedules (name);
-- The firing task's one statement: the earliest due, unpaused schedules.
CREATE INDEX IF NOT EXISTS idx_schedules_due ON pgqrs_schedules (next_run_at) WHERE paused = 0 AND next_run_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_schedules_workflow ON pgqrs_schedules (workflow_id) WHERE workflow_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_schedules_queue ON pgqrs_schedules (queue_id);

-- One row per tick handled; status 'fired' or 'skipped' (overlap).
CREATE TABLE IF NOT EXISTS pgqrs_schedule_ticks (
  schedule_id INTEGER NOT NULL REFERENCES pgqrs_schedules(id) ON DELETE CASCADE,
  tick_at TEXT NOT NULL,
  status TEXT NOT NULL,
  message_id INTEGER NULL,
  fired_at TEXT NOT NULL,
  PRIMARY KEY (schedule_id, tick_at)
);
