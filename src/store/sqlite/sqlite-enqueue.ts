/**
 * Enqueue: multi-row inserts (with a priority and a group key when given), the leased insert of a handoff, dedup
 * keys, and inserts through the application's own transaction (`tx`).
 */
import { ValidationError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type { EnqueueRowValues } from "../message-params.js";
import type { EnqueueParams } from "../store.js";
import { appTxExecutor, type SqlExecutor } from "./sqlite-app-tx.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { type InsertedValues, insertedMessages } from "./sqlite-message-tuples.js";
import { type MessageRow, toMessage } from "./sqlite-rows.js";
import { decodeTime, encodeTime } from "./sqlite-time.js";

/**
 * SQLite's SQLITE_MAX_VARIABLE_NUMBER is 32766: plain rows bind five values, rows with a priority, group key or
 * headers eight.
 */
const MAX_ROWS_PER_INSERT = { plain: 6_500, keyed: 4_000 } as const;

/**
 * `INSERT … VALUES (…),(…) RETURNING id` for `rows` payloads. Plain `?` placeholders (better-sqlite3 binds numbered
 * ones only by name) with the shared values repeated per row; the text depends only on the batch size (and whether
 * rows carry a priority, group key or headers), so its prepared statement is reused. Rows without them keep the plain
 * statement: their columns take the defaults (priority 0, no group, no headers).
 */
function insertSql(rows: number, keyed: boolean): string {
  const values: string[] = [];
  const row = keyed ? "(?, ?, 0, ?, ?, ?, ?, ?, ?)" : "(?, ?, 0, ?, ?, ?)";
  for (let i = 0; i < rows; i++) values.push(row);
  const extra = keyed ? ", priority, group_key, headers" : "";
  return `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id${extra})
VALUES ${values.join(",")} RETURNING id`;
}

/** Texts for the common small batch sizes; larger ones are rebuilt (cheap next to inserting the rows). */
const insertSqlCache: { plain: string[]; keyed: string[] } = { plain: [], keyed: [] };
const CACHED_INSERT_SIZES = 256;

function cachedInsertSql(rows: number, keyed: boolean): string {
  if (rows > CACHED_INSERT_SIZES) return insertSql(rows, keyed);
  const cache = keyed ? insertSqlCache.keyed : insertSqlCache.plain;
  let sql = cache[rows];
  if (sql === undefined) {
    sql = insertSql(rows, keyed);
    cache[rows] = sql;
  }
  return sql;
}

function isKeyed(v: InsertedValues): boolean {
  return v.priority !== 0 || v.groupKey !== null || v.headersJson !== null;
}

function insertChunk(x: SqlExecutor, v: InsertedValues, payloads: readonly string[]): QueueMessage[] {
  const keyed = isKeyed(v);
  const params: unknown[] = new Array(payloads.length * (keyed ? 8 : 5));
  let i = 0;
  for (const payload of payloads) {
    params[i++] = v.queueId;
    params[i++] = payload;
    params[i++] = v.enqueuedAt;
    params[i++] = v.visibleAt;
    params[i++] = v.producerWorkerId;
    if (keyed) {
      params[i++] = v.priority;
      params[i++] = v.groupKey;
      params[i++] = v.headersJson;
    }
  }
  // An array argument is bound element by element, without spreading thousands of call arguments.
  const ids = x.tuples<[number]>(cachedInsertSql(payloads.length, keyed), params).map((row) => row[0]);
  return insertedMessages(ids, payloads, v);
}

function insertRows(x: SqlExecutor, v: InsertedValues, payloads: readonly string[]): QueueMessage[] {
  const max = isKeyed(v) ? MAX_ROWS_PER_INSERT.keyed : MAX_ROWS_PER_INSERT.plain;
  if (payloads.length <= max) return insertChunk(x, v, payloads);
  // One transaction so that a batch larger than one statement can hold is still all-or-nothing.
  return x.atomic(() => {
    const all: QueueMessage[] = [];
    for (let i = 0; i < payloads.length; i += max) all.push(...insertChunk(x, v, payloads.slice(i, i + max)));
    return all;
  });
}

/*
 * A message handed straight to an idle consumer of this store (`EnqueueParams.leaseTo`): leased only when that
 * consumer's claim at the same moment would have returned it, else a plain enqueue. One statement, so no other
 * writer can slip a message in between. "Would have returned it": nothing of the queue is visible (a visible
 * message blocked behind its group's head also counts as visible: a missed handoff, never a wrong one), the new
 * message's group has no unarchived message, the queue has no concurrency or rate limit (those claim through
 * `limited` claims only), and the consumer is ready or polling.
 */
const INSERT_LEASED_SQL = `INSERT INTO pgqrs_messages
  (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, consumer_worker_id, dequeued_at, priority, group_key,
   headers)
SELECT @queueId, @payload, CASE WHEN f.ok THEN 1 ELSE 0 END, @enqueuedAt,
       CASE WHEN f.ok THEN @leaseEnd ELSE @visibleAt END, @producer,
       CASE WHEN f.ok THEN @worker END, CASE WHEN f.ok THEN @now END, @priority, @groupKey, @headers
  FROM (SELECT NOT EXISTS (SELECT 1 FROM pgqrs_messages
                            WHERE queue_id = @queueId AND archived_at IS NULL AND vt <= @now AND read_ct < @maxReadCt)
           AND (@groupKey IS NULL
                OR NOT EXISTS (SELECT 1 FROM pgqrs_messages g
                                WHERE g.queue_id = @queueId AND g.group_key = @groupKey AND g.group_key IS NOT NULL
                                  AND g.archived_at IS NULL))
           AND NOT EXISTS (SELECT 1 FROM pgqrs_queue_settings s
                            WHERE s.queue_id = @queueId AND (s.concurrency_limit IS NOT NULL OR s.rate_max IS NOT NULL))
           AND EXISTS (SELECT 1 FROM pgqrs_workers WHERE id = @worker AND status IN ('ready', 'polling')) AS ok) f
RETURNING id, consumer_worker_id`;

function enqueueLeased(c: SqliteConnection, p: EnqueueParams, lease: NonNullable<EnqueueParams["leaseTo"]>) {
  const payload = p.payloads[0] as string;
  const enqueuedAt = encodeTime(p.enqueuedAt);
  const leaseEnd = encodeTime(lease.leaseEnd);
  const visibleAt = encodeTime(p.visibleAt);
  const now = encodeTime(lease.now);
  const priority = p.priority ?? 0;
  const groupKey = p.groupKey ?? null;
  const [row] = c.tuples<[number, number | null]>(INSERT_LEASED_SQL, {
    queueId: p.queueId,
    payload,
    enqueuedAt,
    leaseEnd,
    visibleAt,
    producer: p.producerWorkerId,
    worker: lease.workerId,
    now,
    maxReadCt: lease.maxReadCt,
    priority,
    groupKey,
    headers: p.headers === undefined ? null : JSON.stringify(p.headers),
  });
  const leased = row?.[1] !== null && row?.[1] !== undefined;
  const message: QueueMessage = {
    id: row?.[0] as number,
    queueId: p.queueId,
    payload: JSON.parse(payload),
    vt: decodeTime(leased ? leaseEnd : visibleAt),
    enqueuedAt: decodeTime(enqueuedAt),
    readCt: leased ? 1 : 0,
    dequeuedAt: leased ? decodeTime(now) : null,
    producerWorkerId: p.producerWorkerId,
    consumerWorkerId: leased ? lease.workerId : null,
    archivedAt: null,
    deadLetteredAt: null,
    priority,
    dedupKey: null,
    groupKey,
    lastError: null,
    headers: p.headers ?? null,
    progress: null,
  };
  return [message];
}

/** An existing message of the key: unarchived first, else (with a window) the latest archived at or after `since`. */
const DEDUP_EXISTING_SQL = `SELECT * FROM (
  SELECT * FROM pgqrs_messages WHERE queue_id = @queueId AND dedup_key = @key AND archived_at IS NULL
  UNION ALL
  SELECT * FROM (SELECT * FROM pgqrs_messages
                  WHERE @since IS NOT NULL AND queue_id = @queueId AND dedup_key = @key AND archived_at IS NOT NULL
                    AND archived_at >= @since
                  ORDER BY archived_at DESC LIMIT 1)
) LIMIT 1`;

/** The insert of a keyed message: nothing when an unarchived message of the key exists (the unique index). */
const INSERT_DEDUP_SQL = `INSERT INTO pgqrs_messages
  (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key, dedup_key, headers)
VALUES (@queueId, @payload, 0, @enqueuedAt, @visibleAt, @producer, @priority, @groupKey, @key, @headers)
ON CONFLICT DO NOTHING RETURNING *`;

/**
 * One keyed message: the existing one (marked `deduplicated`) or a new row. All-or-nothing under the write lock
 * (or inside the application's transaction), so the lookup and the insert see the same rows; the unique index
 * makes a second row impossible whatever happens.
 */
function enqueueDedup(x: SqlExecutor, p: EnqueueParams, key: string): QueueMessage[] {
  const windowMs = p.dedupWindowMs ?? 0;
  const since = windowMs > 0 ? encodeTime(new Date(p.enqueuedAt.getTime() - windowMs)) : null;
  const lookup = { queueId: p.queueId, key, since };
  return x.atomic(() => {
    if (since !== null) {
      const existing = x.get<MessageRow>(DEDUP_EXISTING_SQL, lookup);
      if (existing !== undefined) return [{ ...toMessage(existing), deduplicated: true as const }];
    }
    const inserted = x.get<MessageRow>(INSERT_DEDUP_SQL, {
      queueId: p.queueId,
      payload: p.payloads[0],
      enqueuedAt: encodeTime(p.enqueuedAt),
      visibleAt: encodeTime(p.visibleAt),
      producer: p.producerWorkerId,
      priority: p.priority ?? 0,
      groupKey: p.groupKey ?? null,
      key,
      headers: p.headers === undefined ? null : JSON.stringify(p.headers),
    });
    if (inserted !== undefined) return [toMessage(inserted)];
    const existing = x.get<MessageRow>(DEDUP_EXISTING_SQL, { ...lookup, since: null });
    // The conflicting row is unarchived and the write lock (or the caller's transaction) is held: it is there.
    return [{ ...toMessage(existing!), deduplicated: true as const }];
  });
}

/**
 * Group commit (`EnqueueParams.rows`): several callers' messages, each with its own times, priority and headers, in
 * one multi-row insert (the keyed statement with each row's own values), all or nothing.
 */
function enqueueRows(x: SqlExecutor, p: EnqueueParams, rows: readonly EnqueueRowValues[]): QueueMessage[] {
  const clash = (["groupKey", "dedupKey", "leaseTo", "tx"] as const).find((k) => p[k] !== undefined);
  if (clash !== undefined || rows.length !== p.payloads.length) {
    throw new ValidationError(
      clash === undefined
        ? `rows has ${rows.length} entries for ${p.payloads.length} payloads`
        : `rows (one insert for several callers) cannot carry ${clash}`,
      { argument: "rows" },
    );
  }
  const chunk = (from: number, to: number): QueueMessage[] => {
    const params: unknown[] = [];
    for (let i = from; i < to; i++) {
      const r = rows[i] as EnqueueRowValues;
      const headers = r.headers === undefined ? null : JSON.stringify(r.headers);
      const times = [encodeTime(r.enqueuedAt), encodeTime(r.visibleAt)];
      params.push(p.queueId, p.payloads[i], ...times, p.producerWorkerId, r.priority ?? 0, null, headers);
    }
    const ids = x.tuples<[number]>(cachedInsertSql(to - from, true), params).map((row) => row[0]);
    // One INSERT … VALUES assigns AUTOINCREMENT ids in VALUES order; RETURNING order itself is unspecified.
    ids.sort((a, b) => a - b);
    return ids.map((id, k) => {
      const r = rows[from + k] as EnqueueRowValues;
      const v: InsertedValues = {
        queueId: p.queueId,
        producerWorkerId: p.producerWorkerId,
        enqueuedAt: "",
        visibleAt: "",
        enqueuedMs: r.enqueuedAt.getTime(),
        visibleMs: r.visibleAt.getTime(),
        priority: r.priority ?? 0,
        groupKey: null,
        dedupKey: null,
        headers: r.headers ?? null,
        headersJson: null,
      };
      return insertedMessages([id], [p.payloads[from + k] as string], v)[0] as QueueMessage;
    });
  };
  const max = MAX_ROWS_PER_INSERT.keyed;
  if (rows.length <= max) return chunk(0, rows.length);
  return x.atomic(() => {
    const all: QueueMessage[] = [];
    for (let i = 0; i < rows.length; i += max) all.push(...chunk(i, Math.min(rows.length, i + max)));
    return all;
  });
}

export function enqueue(c: SqliteConnection, p: EnqueueParams): QueueMessage[] {
  if (p.payloads.length === 0) return [];
  if (p.rows !== undefined) return enqueueRows(c, p, p.rows);
  const x = p.tx === undefined ? undefined : appTxExecutor(c, p.tx);
  if (p.dedupKey !== undefined && p.payloads.length !== 1) {
    throw new ValidationError("dedupKey needs exactly one payload", { argument: "dedupKey" });
  }
  if (p.dedupKey !== undefined) return enqueueDedup(x ?? c, p, p.dedupKey);
  if (x === undefined && p.leaseTo !== undefined && p.payloads.length === 1) return enqueueLeased(c, p, p.leaseTo);
  const v: InsertedValues = {
    queueId: p.queueId,
    producerWorkerId: p.producerWorkerId,
    enqueuedAt: encodeTime(p.enqueuedAt),
    visibleAt: encodeTime(p.visibleAt),
    enqueuedMs: p.enqueuedAt.getTime(),
    visibleMs: p.visibleAt.getTime(),
    priority: p.priority ?? 0,
    groupKey: p.groupKey ?? null,
    dedupKey: null,
    headers: p.headers ?? null,
    headersJson: p.headers === undefined ? null : JSON.stringify(p.headers),
  };
  return insertRows(x ?? c, v, p.payloads);
}
