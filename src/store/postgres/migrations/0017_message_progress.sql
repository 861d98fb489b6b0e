-- Message progress (BullMQ's job.updateProgress): the last JSON value a consumer holding the message reported
-- (`consumer.updateProgress`), kept across redeliveries so a handler can resume from its checkpoint. Additive: a
-- nullable column pgqrs (Rust/Python) neither reads nor writes (NULL for every row it writes). Re-runnable.
ALTER TABLE {{schema}}.pgqrs_messages ADD COLUMN IF NOT EXISTS progress JSONB NULL;
COMMENT ON COLUMN {{schema}}.pgqrs_messages.progress IS
  'pgqrs for TypeScript: the last progress a consumer holding the message reported (any JSON value), or NULL';
