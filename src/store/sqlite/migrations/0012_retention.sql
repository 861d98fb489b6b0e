-- Retention (issue 18): per-queue retention periods in milliseconds. A queue without a row uses the documented
-- defaults (archived 7 days, dead letters 30 days, finished runs 30 days); a NULL period keeps that kind of row
-- forever. A workflow's policy is its queue's.
CREATE TABLE IF NOT EXISTS pgqrs_retention (
  queue_id INTEGER PRIMARY KEY REFERENCES pgqrs_queues(id) ON DELETE CASCADE,
  archived_ms INTEGER NULL,
  dead_letters_ms INTEGER NULL,
  finished_runs_ms INTEGER NULL,
  updated_at TEXT NOT NULL
);
