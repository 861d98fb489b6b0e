-- Queue controls (issue 17): message priority, dedup and group keys, the last delivery error, and per-queue settings
-- (retry policy, concurrency limit, rate limit). Additive for pgqrs (Rust/Python): new columns with defaults or
-- NULL, a new table, indexes under names pgqrs does not use, and functions pgqrs does not call. Rows written by
-- pgqrs have priority 0 and no keys, so they keep pgqrs's oldest-first order. Re-runnable.
ALTER TABLE {{schema}}.pgqrs_messages
  ADD COLUMN IF NOT EXISTS priority INT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS dedup_key TEXT NULL,
  ADD COLUMN IF NOT EXISTS group_key TEXT NULL,
  ADD COLUMN IF NOT EXISTS last_error JSONB NULL;
COMMENT ON COLUMN {{schema}}.pgqrs_messages.last_error IS
  'pgqrs for TypeScript: the error of the last failed delivery (name, message, stack, attempt, failedAt)';

-- The claim orders by (priority DESC, enqueued_at, id): this index yields the queue's unarchived rows in exactly
-- that order with vt checked in the index, so a claim stops after `limit` visible rows (replaces 0002's index of
-- the same name, which had no priority).
DROP INDEX IF EXISTS {{schema}}.idx_pgqrs_messages_claim;
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_claim
  ON {{schema}}.pgqrs_messages (queue_id, priority DESC, enqueued_at, id, vt) WHERE archived_at IS NULL;
-- At most one unarchived message per (queue, dedup key): concurrent enqueues of one key converge here (ON CONFLICT
-- DO NOTHING). Partial, so rows without a key never enter it.
CREATE UNIQUE INDEX IF NOT EXISTS idx_pgqrs_messages_dedup
  ON {{schema}}.pgqrs_messages (queue_id, dedup_key) WHERE archived_at IS NULL AND dedup_key IS NOT NULL;
-- `dedupWindowSeconds`: the latest archived message of a key.
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_dedup_archived
  ON {{schema}}.pgqrs_messages (queue_id, dedup_key, archived_at) WHERE dedup_key IS NOT NULL AND archived_at IS NOT NULL;
-- The group head check (an unarchived message of the same group with a smaller id).
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_group
  ON {{schema}}.pgqrs_messages (queue_id, group_key, id) WHERE archived_at IS NULL AND group_key IS NOT NULL;

-- Dead-lettering (the loops' maintenance, every 15 s) looks for unarchived messages whose attempts are used up.
-- Retried messages (a second delivery or more) are few, so this index stays small, and a first claim (read_ct
-- 0 → 1) never writes to it; without it each round scanned the whole backlog (0.5 s at 1,000,000 messages).
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_retried
  ON {{schema}}.pgqrs_messages (queue_id) WHERE archived_at IS NULL AND read_ct >= 2;

-- A queue's settings; a queue without settings has no row. `rate_log` holds the claims of the current sliding
-- window as [[epoch ms, count], …], oldest first: never more than `rate_max` claims in any `rate_per_ms` window.
CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_queue_settings (
  queue_id BIGINT PRIMARY KEY REFERENCES {{schema}}.pgqrs_queues (id) ON DELETE CASCADE,
  retry JSONB NULL,
  concurrency_limit INT NULL,
  rate_max INT NULL,
  rate_per_ms BIGINT NULL,
  rate_log JSONB NOT NULL DEFAULT '[]'::jsonb,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE {{schema}}.pgqrs_queue_settings IS
  'pgqrs for TypeScript: per-queue retry policy, concurrency limit and rate limit (with its sliding-window log)';

-- The claim of a queue with limits (`DequeueParams.limited`), also used for its acknowledge-and-claim: archives
-- `p_archive_ids` (owner-checked), then claims at most what the limits allow, with the same filter and order as
-- the plain claim (postgres-message-leases.ts `claimUpdate`). Returns the archived rows (archived_at set) and the
-- claimed rows (archived_at NULL).
--
-- Race-free across processes: every limited claim of a queue first locks the queue's settings row (FOR UPDATE), so
-- they run one at a time per queue, each until its transaction (the caller's one statement) commits. Under READ
-- COMMITTED every statement of this VOLATILE function takes a fresh snapshot, so the count of live leases below is
-- taken after the lock was granted and sees every lease the previous holder committed. Leases are only ever added
-- by limited claims (plain claims and hand-offs take nothing from a queue with limits, see `claimUpdate`); anything
-- else only ends leases, which can make the count too high for a moment, never too low. The rate log is read
-- through the locked row (the latest committed version) and written back before the lock is released.
CREATE OR REPLACE FUNCTION {{schema}}.pgqrs_claim_limited(
  p_queue_id bigint, p_now timestamptz, p_max_read_ct integer, p_limit integer, p_lease_end timestamptz,
  p_worker bigint, p_versions text[], p_archive_ids bigint[])
RETURNS SETOF {{schema}}.pgqrs_messages
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  s record;
  has_settings boolean;
  allowed integer := p_limit;
  leased bigint;
  now_ms bigint := pg_catalog.floor(EXTRACT(EPOCH FROM p_now) OPERATOR(pg_catalog.*) 1000)::bigint;
  log jsonb := '[]'::jsonb;
  used bigint := 0;
  claimed bigint := 0;
BEGIN
  IF p_archive_ids IS NOT NULL AND pg_catalog.cardinality(p_archive_ids) OPERATOR(pg_catalog.>) 0 THEN
    RETURN QUERY
      UPDATE {{schema}}.pgqrs_messages am SET archived_at = p_now
        FROM pg_catalog.unnest(p_archive_ids) AS t(id)
       WHERE am.id OPERATOR(pg_catalog.=) t.id AND am.consumer_worker_id OPERATOR(pg_catalog.=) p_worker
         AND am.archived_at IS NULL
      RETURNING am.*;
  END IF;
  IF p_limit OPERATOR(pg_catalog.<=) 0 THEN
    RETURN;
  END IF;

  SELECT qs.concurrency_limit, qs.rate_max, qs.rate_per_ms, qs.rate_log INTO s
    FROM {{schema}}.pgqrs_queue_settings qs WHERE qs.queue_id OPERATOR(pg_catalog.=) p_queue_id FOR UPDATE;
  has_settings := FOUND;

  IF has_settings AND s.concurrency_limit IS NOT NULL THEN
    -- Fresh snapshot (this statement's own): every lease committed before we got the lock is counted.
    SELECT pg_catalog.count(*) INTO leased
      FROM {{schema}}.pgqrs_messages
     WHERE queue_id OPERATOR(pg_catalog.=) p_queue_id AND archived_at IS NULL
       AND vt OPERATOR(pg_catalog.>) p_now AND consumer_worker_id IS NOT NULL;
    allowed := LEAST(allowed, s.concurrency_limit OPERATOR(pg_catalog.-) leased);
  END IF;

  IF has_settings AND s.rate_max IS NOT NULL AND s.rate_per_ms IS NOT NULL THEN
    -- Sliding window: the claims stamped after now − per. Entries stamped later than now (another process's clock
    -- runs ahead) still count, so clock skew can only make the limit stricter.
    SELECT COALESCE(pg_catalog.jsonb_agg(e.v ORDER BY e.n), '[]'::jsonb),
           COALESCE(pg_catalog.sum((e.v OPERATOR(pg_catalog.->>) 1)::bigint), 0)
      INTO log, used
      FROM pg_catalog.jsonb_array_elements(s.rate_log) WITH ORDINALITY AS e(v, n)
     WHERE (e.v OPERATOR(pg_catalog.->>) 0)::bigint OPERATOR(pg_catalog.>) (now_ms OPERATOR(pg_catalog.-) s.rate_per_ms);
    allowed := LEAST(allowed, s.rate_max OPERATOR(pg_catalog.-) used);
  END IF;

  IF allowed OPERATOR(pg_catalog.>) 0 THEN
    RETURN QUERY
      UPDATE {{schema}}.pgqrs_messages m
         SET read_ct = m.read_ct OPERATOR(pg_catalog.+) 1,
             vt = p_lease_end,
             consumer_worker_id = p_worker,
             dequeued_at = COALESCE(m.dequeued_at, p_now)
       WHERE m.id OPERATOR(pg_catalog.=) ANY (ARRAY(
               SELECT c.id FROM {{schema}}.pgqrs_messages c
                WHERE c.queue_id OPERATOR(pg_catalog.=) p_queue_id AND c.archived_at IS NULL
                  AND c.vt OPERATOR(pg_catalog.<=) p_now AND c.read_ct OPERATOR(pg_catalog.<) p_max_read_ct
                  AND (p_archive_ids IS NULL OR c.id OPERATOR(pg_catalog.<>) ALL (p_archive_ids))
                  AND (p_versions IS NULL OR (c.payload OPERATOR(pg_catalog.->>) 'version') IS NULL
                       OR (c.payload OPERATOR(pg_catalog.->>) 'version') OPERATOR(pg_catalog.=) ANY (p_versions))
                  AND (c.group_key IS NULL OR c.id OPERATOR(pg_catalog.<=) (
                        SELECT g.id FROM {{schema}}.pgqrs_messages g
                         WHERE g.queue_id OPERATOR(pg_catalog.=) c.queue_id
                           AND g.group_key OPERATOR(pg_catalog.=) c.group_key
                           AND g.archived_at IS NULL
                         ORDER BY g.queue_id, g.group_key, g.id
                         LIMIT 1))
                ORDER BY c.priority DESC, c.enqueued_at, c.id
                LIMIT allowed
                FOR NO KEY UPDATE SKIP LOCKED))
      RETURNING m.*;
    GET DIAGNOSTICS claimed = ROW_COUNT;
  END IF;

  IF has_settings AND s.rate_max IS NOT NULL AND s.rate_per_ms IS NOT NULL THEN
    IF claimed OPERATOR(pg_catalog.>) 0 THEN
      log := log OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(now_ms, claimed));
    END IF;
    -- Written only when it changed (a claim, or entries that left the window), still under the row lock.
    IF log OPERATOR(pg_catalog.<>) s.rate_log THEN
      UPDATE {{schema}}.pgqrs_queue_settings SET rate_log = log WHERE queue_id OPERATOR(pg_catalog.=) p_queue_id;
    END IF;
  END IF;
END
$fn$;

-- Enqueue from SQL (triggers, other languages): one message, visible after `delay_seconds`, stamped with the
-- database clock (the transaction's start, as `now()`), sending the NOTIFY our enqueue sends (with no origin tag,
-- so every store's consumers of the queue wake when the caller's transaction commits). Returns the message id; on a
-- dedup hit (an unarchived message of the queue with that key) writes nothing and returns that message's id.
-- Raises (SQLSTATE P0002) on an unknown queue. Race-free like our enqueue: the partial unique index decides between
-- concurrent inserts of one key (ON CONFLICT DO NOTHING waits for the other inserter and then sees its row); when
-- the row found is archived before we read it, the loop inserts again.
CREATE OR REPLACE FUNCTION {{schema}}.pgqrs_enqueue(
  queue_name text, payload jsonb, delay_seconds double precision DEFAULT 0, priority integer DEFAULT 0,
  dedup_key text DEFAULT NULL, group_key text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  q bigint;
  new_id bigint;
  t timestamptz := pg_catalog.now();
  channel text := 'pgqrs_enqueue_' OPERATOR(pg_catalog.||) pg_catalog.md5(
    (SELECT n.nspname::text FROM pg_catalog.pg_namespace n WHERE n.oid OPERATOR(pg_catalog.=) '{{schema}}'::regnamespace::oid));
BEGIN
  SELECT qq.id INTO q FROM {{schema}}.pgqrs_queues qq WHERE qq.queue_name::text OPERATOR(pg_catalog.=) pgqrs_enqueue.queue_name;
  IF q IS NULL THEN
    RAISE EXCEPTION 'Queue ''%'' not found', pgqrs_enqueue.queue_name USING ERRCODE = 'P0002';
  END IF;
  -- Ids of one group are drawn in commit order (see postgres-enqueue.ts): the group's lock first, held to commit.
  IF pgqrs_enqueue.group_key IS NOT NULL THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(pgqrs_enqueue.group_key, q));
  END IF;
  LOOP
    INSERT INTO {{schema}}.pgqrs_messages AS m (queue_id, payload, read_ct, enqueued_at, vt, priority, dedup_key, group_key)
    VALUES (q, pgqrs_enqueue.payload, 0, t,
            t OPERATOR(pg_catalog.+) (COALESCE(pgqrs_enqueue.delay_seconds, 0) OPERATOR(pg_catalog.*) interval '1 second'),
            COALESCE(pgqrs_enqueue.priority, 0), pgqrs_enqueue.dedup_key, pgqrs_enqueue.group_key)
    ON CONFLICT (queue_id, dedup_key) WHERE archived_at IS NULL AND dedup_key IS NOT NULL DO NOTHING
    RETURNING m.id INTO new_id;
    IF new_id IS NOT NULL THEN
      PERFORM pg_catalog.pg_notify(channel, q::text);
      RETURN new_id;
    END IF;
    SELECT d.id INTO new_id FROM {{schema}}.pgqrs_messages d
     WHERE d.queue_id OPERATOR(pg_catalog.=) q AND d.dedup_key OPERATOR(pg_catalog.=) pgqrs_enqueue.dedup_key
       AND d.archived_at IS NULL;
    IF new_id IS NOT NULL THEN
      RETURN new_id;
    END IF;
  END LOOP;
END
$fn$;
