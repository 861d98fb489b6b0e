-- Queue controls (issue 17): message priority, dedup and group keys, the last delivery's error, and per-queue
-- settings (retry policy, concurrency and rate limits). pgqrs's columns keep their meaning; rows pgqrs (Rust/Python)
-- writes get the defaults: priority 0, no keys, no error. JSON columns are TEXT.
ALTER TABLE pgqrs_messages ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pgqrs_messages ADD COLUMN dedup_key TEXT NULL;
ALTER TABLE pgqrs_messages ADD COLUMN group_key TEXT NULL;
-- JSON of a MessageError, or NULL.
ALTER TABLE pgqrs_messages ADD COLUMN last_error TEXT NULL;

-- The claim: queue_id = ? AND archived_at IS NULL AND +vt <= ? ORDER BY priority DESC, enqueued_at, id LIMIT ?.
-- Walking the index in that order lets the claim stop after LIMIT rows (see sqlite-schema-spec.ts).
DROP INDEX IF EXISTS idx_messages_claim;
CREATE INDEX IF NOT EXISTS idx_messages_claim
  ON pgqrs_messages (queue_id, priority DESC, enqueued_at, id, vt) WHERE archived_at IS NULL;
-- At most one unarchived message per queue and dedup key: concurrent enqueues of one key make one row.
CREATE UNIQUE INDEX IF NOT EXISTS idx_messages_dedup_active
  ON pgqrs_messages (queue_id, dedup_key) WHERE archived_at IS NULL AND dedup_key IS NOT NULL;
-- `dedupWindowMs`: a key's messages archived recently.
CREATE INDEX IF NOT EXISTS idx_messages_dedup_archived
  ON pgqrs_messages (queue_id, dedup_key, archived_at) WHERE dedup_key IS NOT NULL AND archived_at IS NOT NULL;
-- The group head check: an unarchived message of the same queue and group with a smaller id.
CREATE INDEX IF NOT EXISTS idx_messages_group
  ON pgqrs_messages (queue_id, group_key, id) WHERE archived_at IS NULL AND group_key IS NOT NULL;

-- Dead-lettering (the loops' maintenance) looks for unarchived messages whose attempts are used up; retried
-- messages are few, so this index stays small and a first claim never writes to it (no backlog scan).
CREATE INDEX IF NOT EXISTS idx_messages_retried
  ON pgqrs_messages (queue_id) WHERE archived_at IS NULL AND read_ct >= 2;

-- One row per queue that has settings. rate_log: the claims inside the current window, [[ms, count], ...]
-- (a sliding window: never more than rate_max claims in any rate_per_ms window).
CREATE TABLE IF NOT EXISTS pgqrs_queue_settings (
  queue_id INTEGER PRIMARY KEY REFERENCES pgqrs_queues(id) ON DELETE CASCADE,
  retry TEXT NULL,
  concurrency_limit INTEGER NULL,
  rate_max INTEGER NULL,
  rate_per_ms INTEGER NULL,
  rate_log TEXT NOT NULL DEFAULT '[]',
  updated_at TEXT NOT NULL
);
