/**
 * The claim: plain claims (one statement) and `limited` claims of queues with a concurrency or rate limit (one
 * write transaction: count live leases, read the rate window, claim what is allowed, record it).
 */
import type { QueueMessage } from "../../types.js";
import type { DequeueParams } from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { CLAIMED_COLUMNS, type ClaimedTuple, claimedMessages } from "./sqlite-message-tuples.js";
import { encodeTime } from "./sqlite-time.js";

/*
 * Group head rule: a message with a group key is claimable only while no unarchived message of its queue and group
 * has a smaller id. Written as an OR so rows without a group key never run the sub-select (SQLite evaluates OR
 * left to right and stops at the first true operand); the sub-select is one probe of idx_messages_group.
 */
const GROUP_HEAD = `(m.group_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM pgqrs_messages g
       WHERE g.queue_id = m.queue_id AND g.group_key = m.group_key AND g.group_key IS NOT NULL
         AND g.archived_at IS NULL AND g.id < m.id))`;

/*
 * A claim without `limited` takes nothing from a queue with a concurrency or rate limit, so a process whose view of
 * the settings is stale never exceeds them. In the LIMIT, which SQLite evaluates once per statement (a primary key
 * probe); as a WHERE term it was checked again for every row walked (measured: 1% of a 50-message claim).
 */
const LIMITED_QUEUE = `EXISTS (SELECT 1 FROM pgqrs_queue_settings s
       WHERE s.queue_id = @queueId AND (s.concurrency_limit IS NOT NULL OR s.rate_max IS NOT NULL))`;

/*
 * One statement, so it is atomic against this connection's other work, and a concurrent writer on the same file
 * waits on the database lock (busy_timeout) rather than claiming the same rows: SQLite has no row locks, the whole
 * UPDATE runs under the single write lock. The sub-select is evaluated in full before any row changes, so it sees
 * every group's head as it was: at most one message per group. An expired lease (`vt <= now`) is claimable whoever
 * holds it. `+vt` keeps the planner on idx_messages_claim (walks (priority DESC, enqueued_at, id) order, stops after
 * LIMIT) rather than pgqrs's idx_messages_hot_path, whose vt range would make it sort the whole visible backlog.
 */
function claimSql(o: { versioned: boolean; guarded: boolean }): string {
  const versions = o.versioned
    ? `
    AND (json_extract(m.payload, '$.version') IS NULL
         OR json_extract(m.payload, '$.version') IN (SELECT value FROM json_each(@versions)))`
    : "";
  const limit = o.guarded ? `CASE WHEN ${LIMITED_QUEUE} THEN 0 ELSE @limit END` : "@limit";
  return `UPDATE pgqrs_messages
SET read_ct = read_ct + 1, vt = @leaseEnd, consumer_worker_id = @workerId, dequeued_at = COALESCE(dequeued_at, @now)
WHERE id IN (
  SELECT m.id FROM pgqrs_messages m
  WHERE m.queue_id = @queueId AND m.archived_at IS NULL AND +m.vt <= @now AND m.read_ct < @maxReadCt${versions}
    AND ${GROUP_HEAD}
  ORDER BY m.priority DESC, m.enqueued_at, m.id
  LIMIT ${limit}
)
RETURNING ${CLAIMED_COLUMNS}`;
}

/** The plain claim (no `versions`, no `limited`). */
export const DEQUEUE_SQL = claimSql({ versioned: false, guarded: true });
/*
 * A versioned workflow worker's claim (`DequeueParams.versions`): messages of another version are never claimed,
 * so never counted as a delivery; they wait for a worker of theirs.
 */
const DEQUEUE_VERSIONED_SQL = claimSql({ versioned: true, guarded: true });
/** Inside a limited claim's transaction, which has read the limits itself. */
const DEQUEUE_UNGUARDED_SQL = claimSql({ versioned: false, guarded: false });
const DEQUEUE_VERSIONED_UNGUARDED_SQL = claimSql({ versioned: true, guarded: false });

function claim(c: SqliteConnection, p: DequeueParams, limit: number, guarded: boolean): QueueMessage[] {
  const leaseEnd = encodeTime(new Date(p.now.getTime() + p.leaseMs));
  const now = encodeTime(p.now);
  const params = { leaseEnd, workerId: p.workerId, now, queueId: p.queueId, maxReadCt: p.maxReadCt, limit };
  const rows =
    p.versions === undefined
      ? c.tuples<ClaimedTuple>(guarded ? DEQUEUE_SQL : DEQUEUE_UNGUARDED_SQL, params)
      : c.tuples<ClaimedTuple>(guarded ? DEQUEUE_VERSIONED_SQL : DEQUEUE_VERSIONED_UNGUARDED_SQL, {
          ...params,
          versions: JSON.stringify(p.versions),
        });
  return claimedMessages(rows, { queueId: p.queueId, workerId: p.workerId, leaseEnd, now });
}

interface LimitsRow {
  concurrency_limit: number | null;
  rate_max: number | null;
  rate_per_ms: number | null;
  rate_log: string;
}

/** Messages of the queue under a live lease; walks the (few) held messages of idx_messages_consumer_active. */
const LIVE_LEASES_SQL = `SELECT COUNT(*) AS n FROM pgqrs_messages
  WHERE consumer_worker_id IS NOT NULL AND archived_at IS NULL AND +queue_id = @queueId AND +vt > @now`;

/** `[ms, count]` entries of claims, oldest first. */
type RateLog = [ms: number, count: number][];

/**
 * A claim of a queue with limits: under the write lock, take at most what the concurrency limit (minus live leases)
 * and the rate window allow, and record the claims in the window. Across processes the lock serialises it.
 */
function claimLimited(c: SqliteConnection, p: DequeueParams): QueueMessage[] {
  return c.immediate(() => {
    const limits = c.get<LimitsRow>(
      "SELECT concurrency_limit, rate_max, rate_per_ms, rate_log FROM pgqrs_queue_settings WHERE queue_id = ?",
      p.queueId,
    );
    const rated = limits?.rate_max != null && limits.rate_per_ms != null;
    if (limits === undefined || (limits.concurrency_limit === null && !rated)) return claim(c, p, p.limit, false);
    let allowed = p.limit;
    if (limits.concurrency_limit !== null) {
      const leased = c.get<{ n: number }>(LIVE_LEASES_SQL, { queueId: p.queueId, now: encodeTime(p.now) })?.n ?? 0;
      allowed = Math.min(allowed, limits.concurrency_limit - leased);
    }
    const nowMs = p.now.getTime();
    let log: RateLog = [];
    if (rated) {
      // Sliding window: the claims made after now − per still count (entries of a clock ahead of ours too).
      const since = nowMs - (limits.rate_per_ms as number);
      log = (JSON.parse(limits.rate_log) as RateLog).filter(([ms]) => ms > since);
      const used = log.reduce((sum, [, n]) => sum + n, 0);
      allowed = Math.min(allowed, (limits.rate_max as number) - used);
    }
    if (allowed <= 0) return [];
    const messages = claim(c, p, allowed, false);
    if (rated && messages.length > 0) {
      log.push([nowMs, messages.length]);
      c.run("UPDATE pgqrs_queue_settings SET rate_log = ? WHERE queue_id = ?", JSON.stringify(log), p.queueId);
    }
    return messages;
  });
}

export function dequeue(c: SqliteConnection, p: DequeueParams): QueueMessage[] {
  if (p.limit <= 0) return [];
  return p.limited === true ? claimLimited(c, p) : claim(c, p, p.limit, true);
}
