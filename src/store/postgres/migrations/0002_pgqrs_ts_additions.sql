-- Additions of pgqrs for TypeScript. Additive only (new columns and indexes), so Rust/Python pgqrs processes keep
-- working against the same tables.

-- Dead letters are per queue and distinguishable from successfully archived messages.
ALTER TABLE {{schema}}.pgqrs_messages ADD COLUMN IF NOT EXISTS dead_lettered_at TIMESTAMPTZ NULL;

-- Dequeue, archive, extend and release rewrite a message row several times over its life; free space in each
-- page lets those updates stay on the same page.
ALTER TABLE {{schema}}.pgqrs_messages SET (fillfactor = 80);

-- The claim query filters (queue_id, archived_at IS NULL, vt <= now, read_ct < max) and orders by
-- (enqueued_at, id) with a LIMIT: this index yields rows in that order with vt checked in the index, so a claim
-- stops after `limit` visible rows instead of sorting the whole visible backlog.
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_claim
  ON {{schema}}.pgqrs_messages (queue_id, enqueued_at, id, vt) WHERE archived_at IS NULL;

CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_dead_lettered
  ON {{schema}}.pgqrs_messages (queue_id, dead_lettered_at) WHERE dead_lettered_at IS NOT NULL;

CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_workflow_id ON {{schema}}.pgqrs_workflow_runs (workflow_id);
