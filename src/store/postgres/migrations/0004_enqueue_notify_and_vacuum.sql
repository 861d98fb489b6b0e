-- Performance additions of pgqrs for TypeScript (additive: a trigger, a function and storage settings).

-- Wake idle consumers on enqueue. One NOTIFY per INSERT statement (not per row), so a batch of any size costs one
-- notification, and it is sent by the server at commit: inserts from Rust/Python pgqrs processes wake TypeScript
-- consumers too. The payload is the comma-separated ids of the queues written; the channel is per schema.
CREATE OR REPLACE FUNCTION {{schema}}.pgqrs_notify_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_catalog.pg_notify('pgqrs_enqueue_' || pg_catalog.md5(TG_TABLE_SCHEMA),
                    (SELECT pg_catalog.string_agg(DISTINCT queue_id::text, ',') FROM inserted));
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS pgqrs_messages_notify_enqueue ON {{schema}}.pgqrs_messages;
CREATE TRIGGER pgqrs_messages_notify_enqueue
  AFTER INSERT ON {{schema}}.pgqrs_messages
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.pgqrs_notify_enqueue();

-- Every message row is updated at least twice (claim, archive) and the updated columns are indexed, so those
-- updates are not HOT: a long drain leaves dead tuples in the table and in its partial indexes. Vacuum the hot
-- tables after a small fraction of changes instead of the default 20%, without throttling, so the dead tuples a
-- drain leaves stay bounded by roughly one vacuum cycle's worth.
ALTER TABLE {{schema}}.pgqrs_messages SET (
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.05,
  autovacuum_analyze_scale_factor = 0.05,
  autovacuum_vacuum_cost_delay = 0
);
ALTER TABLE {{schema}}.pgqrs_workflow_runs SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE {{schema}}.pgqrs_workflow_steps SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
