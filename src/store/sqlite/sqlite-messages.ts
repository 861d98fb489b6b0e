/** The message hot paths: enqueue, claim, and the owner-checked archive/delete/extend/release. */

import type { QueueMessage } from "../../types.js";
import type {
  ArchiveAndDequeueParams,
  ArchiveAndDequeueResult,
  DequeueParams,
  EnqueueParams,
  ExtendParams,
  OwnedIdsParams,
  ReleaseParams,
} from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import {
  CLAIMED_COLUMNS,
  type ClaimedTuple,
  claimedMessages,
  type InsertedValues,
  insertedMessages,
} from "./sqlite-message-tuples.js";
import { perIdResult } from "./sqlite-rows.js";
import { decodeTime, encodeTime } from "./sqlite-time.js";

/** SQLite's SQLITE_MAX_VARIABLE_NUMBER is 32766 and each row binds five values. */
const MAX_ROWS_PER_INSERT = 6_500;

/**
 * `INSERT … VALUES (…),(…) RETURNING id` for `rows` payloads. Plain `?` placeholders (better-sqlite3 binds numbered
 * ones only by name) with the shared values repeated per row; the text depends only on the batch size, so its
 * prepared statement is reused.
 */
function insertSql(rows: number): string {
  const values: string[] = [];
  for (let i = 0; i < rows; i++) values.push("(?, ?, 0, ?, ?, ?)");
  return `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id)
VALUES ${values.join(",")} RETURNING id`;
}

/** Texts for the common small batch sizes; larger ones are rebuilt (cheap next to inserting the rows). */
const insertSqlCache: string[] = [];
const CACHED_INSERT_SIZES = 256;

function cachedInsertSql(rows: number): string {
  if (rows > CACHED_INSERT_SIZES) return insertSql(rows);
  let sql = insertSqlCache[rows];
  if (sql === undefined) {
    sql = insertSql(rows);
    insertSqlCache[rows] = sql;
  }
  return sql;
}

function insertChunk(c: SqliteConnection, v: InsertedValues, payloads: readonly string[]): QueueMessage[] {
  const params: unknown[] = new Array(payloads.length * 5);
  let i = 0;
  for (const payload of payloads) {
    params[i++] = v.queueId;
    params[i++] = payload;
    params[i++] = v.enqueuedAt;
    params[i++] = v.visibleAt;
    params[i++] = v.producerWorkerId;
  }
  // An array argument is bound element by element, without spreading thousands of call arguments.
  const ids = c.tuples<[number]>(cachedInsertSql(payloads.length), params).map((row) => row[0]);
  return insertedMessages(ids, payloads, v);
}

/** A message handed straight to an idle consumer of this store: inserted as that consumer's claim would lease it. */
/*
 * A message handed straight to an idle consumer of this store (`EnqueueParams.leaseTo`): leased only when that
 * consumer's claim at the same moment would have returned it (nothing of the queue claimable, consumer ready or
 * polling), else a plain enqueue. One statement, so no other writer can slip a message in between.
 */
const INSERT_LEASED_SQL = `INSERT INTO pgqrs_messages
  (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, consumer_worker_id, dequeued_at)
SELECT @queueId, @payload, CASE WHEN f.ok THEN 1 ELSE 0 END, @enqueuedAt,
       CASE WHEN f.ok THEN @leaseEnd ELSE @visibleAt END, @producer,
       CASE WHEN f.ok THEN @worker END, CASE WHEN f.ok THEN @now END
  FROM (SELECT NOT EXISTS (SELECT 1 FROM pgqrs_messages
                            WHERE queue_id = @queueId AND archived_at IS NULL AND vt <= @now AND read_ct < @maxReadCt)
           AND EXISTS (SELECT 1 FROM pgqrs_workers WHERE id = @worker AND status IN ('ready', 'polling')) AS ok) f
RETURNING id, consumer_worker_id`;

function enqueueLeased(c: SqliteConnection, p: EnqueueParams, lease: NonNullable<EnqueueParams["leaseTo"]>) {
  const payload = p.payloads[0] as string;
  const enqueuedAt = encodeTime(p.enqueuedAt);
  const leaseEnd = encodeTime(lease.leaseEnd);
  const visibleAt = encodeTime(p.visibleAt);
  const now = encodeTime(lease.now);
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
  };
  return [message];
}

export function enqueue(c: SqliteConnection, p: EnqueueParams): QueueMessage[] {
  if (p.payloads.length === 0) return [];
  if (p.leaseTo !== undefined && p.payloads.length === 1) return enqueueLeased(c, p, p.leaseTo);
  const v: InsertedValues = {
    queueId: p.queueId,
    producerWorkerId: p.producerWorkerId,
    enqueuedAt: encodeTime(p.enqueuedAt),
    visibleAt: encodeTime(p.visibleAt),
    enqueuedMs: p.enqueuedAt.getTime(),
    visibleMs: p.visibleAt.getTime(),
  };
  if (p.payloads.length <= MAX_ROWS_PER_INSERT) return insertChunk(c, v, p.payloads);
  // One transaction so that a batch larger than one statement can hold is still all-or-nothing.
  return c.immediate(() => {
    const all: QueueMessage[] = [];
    for (let i = 0; i < p.payloads.length; i += MAX_ROWS_PER_INSERT) {
      all.push(...insertChunk(c, v, p.payloads.slice(i, i + MAX_ROWS_PER_INSERT)));
    }
    return all;
  });
}

/*
 * The claim. One statement, so it is atomic against this connection's other work, and a concurrent writer on the
 * same file waits on the database lock (busy_timeout) rather than claiming the same rows: SQLite has no row locks,
 * the whole UPDATE runs under the single write lock. An expired lease (`vt <= now`) is claimable whoever holds it.
 * `+vt` keeps the planner on idx_messages_claim (walks enqueued_at order, stops after LIMIT) rather than pgqrs's
 * idx_messages_hot_path, whose vt range would make it sort the whole visible backlog.
 */
export const DEQUEUE_SQL = `UPDATE pgqrs_messages
SET read_ct = read_ct + 1, vt = @leaseEnd, consumer_worker_id = @workerId, dequeued_at = COALESCE(dequeued_at, @now)
WHERE id IN (
  SELECT id FROM pgqrs_messages
  WHERE queue_id = @queueId AND archived_at IS NULL AND +vt <= @now AND read_ct < @maxReadCt
  ORDER BY enqueued_at, id
  LIMIT @limit
)
RETURNING ${CLAIMED_COLUMNS}`;

/*
 * A versioned workflow worker's claim (`DequeueParams.versions`): messages of another version are never claimed,
 * so never counted as a delivery; they wait for a worker of theirs. Other claims keep DEQUEUE_SQL.
 */
const DEQUEUE_VERSIONED_SQL = DEQUEUE_SQL.replace(
  "AND read_ct < @maxReadCt",
  `AND read_ct < @maxReadCt
    AND (json_extract(payload, '$.version') IS NULL
         OR json_extract(payload, '$.version') IN (SELECT value FROM json_each(@versions)))`,
);

export function dequeue(c: SqliteConnection, p: DequeueParams): QueueMessage[] {
  if (p.limit <= 0) return [];
  const leaseEnd = encodeTime(new Date(p.now.getTime() + p.leaseMs));
  const now = encodeTime(p.now);
  const params = {
    leaseEnd,
    workerId: p.workerId,
    now,
    queueId: p.queueId,
    maxReadCt: p.maxReadCt,
    limit: p.limit,
  };
  const rows =
    p.versions === undefined
      ? c.tuples<ClaimedTuple>(DEQUEUE_SQL, params)
      : c.tuples<ClaimedTuple>(DEQUEUE_VERSIONED_SQL, { ...params, versions: JSON.stringify(p.versions) });
  return claimedMessages(rows, { queueId: p.queueId, workerId: p.workerId, leaseEnd, now });
}

const OWNED = "id IN (SELECT value FROM json_each(@ids)) AND consumer_worker_id = @workerId AND archived_at IS NULL";

export function archive(c: SqliteConnection, p: OwnedIdsParams): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(`UPDATE pgqrs_messages SET archived_at = @now WHERE ${OWNED} RETURNING id`, {
    ids: JSON.stringify(p.ids),
    workerId: p.workerId,
    now: encodeTime(p.now),
  });
  return perIdResult(p.ids, rows);
}

/**
 * Archive then claim under one write transaction. The archive runs first, so the archived rows are no longer
 * claimable (`archived_at IS NULL` fails) and the claim cannot hand one of them back.
 */
export function archiveAndDequeue(c: SqliteConnection, p: ArchiveAndDequeueParams): ArchiveAndDequeueResult {
  if (p.archiveIds.length === 0) return { archived: [], messages: dequeue(c, p) };
  return c.immediate(() => {
    const archived = archive(c, { ids: p.archiveIds, workerId: p.workerId, now: p.now });
    return { archived, messages: dequeue(c, p) };
  });
}

/** Runs and steps of the deleted messages go with them (ON DELETE CASCADE). */
export function deleteOwned(c: SqliteConnection, p: OwnedIdsParams): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(`DELETE FROM pgqrs_messages WHERE ${OWNED} RETURNING id`, {
    ids: JSON.stringify(p.ids),
    workerId: p.workerId,
  });
  return perIdResult(p.ids, rows);
}

/**
 * `vt = max(vt, now) + extendMs`. The per-row sum is done by strftime('%f'), which keeps milliseconds (datetime()
 * would truncate to seconds); `@nowPlus` is `now + extendMs`, precomputed for rows whose lease already ended.
 */
export function extendVisibility(c: SqliteConnection, p: ExtendParams): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(
    `UPDATE pgqrs_messages
     SET vt = CASE WHEN vt > @now THEN strftime('%Y-%m-%d %H:%M:%f', vt, @modifier) || '000' ELSE @nowPlus END
     WHERE ${OWNED} RETURNING id`,
    {
      ids: JSON.stringify(p.ids),
      workerId: p.workerId,
      now: encodeTime(p.now),
      nowPlus: encodeTime(new Date(p.now.getTime() + p.extendMs)),
      modifier: `${p.extendMs >= 0 ? "+" : "-"}${(Math.abs(p.extendMs) / 1000).toFixed(3)} seconds`,
    },
  );
  return perIdResult(p.ids, rows);
}

export function release(c: SqliteConnection, p: ReleaseParams): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(
    `UPDATE pgqrs_messages
        SET consumer_worker_id = NULL, vt = @visibleAt,
            read_ct = CASE WHEN @refund = 1 THEN MAX(read_ct - 1, 0) ELSE read_ct END
      WHERE ${OWNED} RETURNING id`,
    {
      ids: JSON.stringify(p.ids),
      workerId: p.workerId,
      visibleAt: encodeTime(p.visibleAt),
      refund: p.refundDelivery === true ? 1 : 0,
    },
  );
  return perIdResult(p.ids, rows);
}

export function releaseWorkerMessages(c: SqliteConnection, p: { workerId: number; now: Date }): number {
  return c.run(
    "UPDATE pgqrs_messages SET consumer_worker_id = NULL, vt = ? WHERE consumer_worker_id = ? AND archived_at IS NULL",
    encodeTime(p.now),
    p.workerId,
  );
}
