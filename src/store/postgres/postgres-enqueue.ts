/**
 * Enqueue: plain inserts (one named prepared statement per call, whatever the batch size), the hand-off to an idle
 * consumer (postgres-leased-insert.ts), dedup keys, and inserts through the application's own transaction (`tx`).
 */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type { EnqueueRowValues } from "../message-params.js";
import type { EnqueueParams, StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { runOnClient } from "./postgres-connection.js";
import { leasedInsertMessage, leasedInsertSql, leasedInsertValues } from "./postgres-leased-insert.js";
import { enqueueChannel } from "./postgres-listener.js";
import { cols, toMessage } from "./postgres-rows.js";

/** Statements of a dedup enqueue: a concurrent enqueue of the key whose row we could not yet see makes us retry. */
const DEDUP_ATTEMPTS = 5;

/** What `tx` must be: something with node-postgres's `query(config)`. */
interface TxClient {
  query(config: { text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/** The caller's transaction client, or VALIDATION_FAILED (nothing written). */
export function txClient(tx: unknown): TxClient {
  const bad = (why: string): never => {
    throw new ValidationError(`tx must be a node-postgres client inside the application's transaction (${why})`, {
      field: "tx",
    });
  };
  if (tx === null || typeof tx !== "object") return bad("not an object");
  const q = (tx as { query?: unknown }).query;
  if (typeof q !== "function") return bad("it has no query() method");
  // A pool's query() takes any idle connection: the insert would commit on its own, outside the transaction.
  if (typeof (tx as { totalCount?: unknown }).totalCount === "number") return bad("a pool is not a transaction");
  return tx as TxClient;
}

export function createEnqueue(conn: PostgresConnection, originSuffix: string): StoreBackend["enqueue"] {
  const messages = conn.t("pgqrs_messages");
  // Ordered groups need ids drawn in commit order within a group: were a producer to commit id 10 after another
  // committed id 11 of the same group, a claimer could lease 11 as the head and then 10 too. So an insert with a
  // group key ($8) first takes a transaction-scoped advisory lock of (queue, group) and draws its ids only then; a
  // second producer of the group waits for the first one's commit (an outbox `tx` holds it until the
  // application's commit). A CTE that yields no row when there is no group key; the insert joins it first.
  const groupLock = `l AS MATERIALIZED (
      SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended($8::text, $1::bigint)) AS locked
        FROM (SELECT 1) one WHERE $8::text IS NOT NULL)`;

  // The enqueue wakes idle consumers itself: one NOTIFY per statement (an InitPlan, evaluated once whatever the
  // number of rows), delivered by the server at commit. A trigger did this before (migration 0004) but cost a
  // third of a single enqueue; the statement only returns the ids, since every other column is known here.
  // $6 is the origin suffix: this store's tag, or '' (every listener wakes, this store's too) for `tx` enqueues,
  // whose commit happens after this call returns.
  const notify = `(SELECT pg_catalog.pg_notify('${enqueueChannel(conn.schema)}', $1::bigint::text || $6::text)) AS notified`;
  const enqueueOneSql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    VALUES ($1, $2::jsonb, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb)
    RETURNING id, ${notify}`;
  const enqueueManySql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    SELECT $1, p.payload, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb
      FROM pg_catalog.unnest($2::jsonb[]) WITH ORDINALITY AS p(payload, ord)
     ORDER BY p.ord
    RETURNING id, ${notify}`;

  // With a group key ($8): the group's lock first (see `groupLock`), then the rows, so ids within a group are drawn
  // in commit order. Separate statements: enqueues without a group key never pay for the lock.
  const enqueueOneGroupedSql = `
    WITH ${groupLock}
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    SELECT $1, $2::jsonb, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb FROM (SELECT 1) one LEFT JOIN l ON TRUE
    RETURNING id, ${notify}`;
  const enqueueManyGroupedSql = `
    WITH ${groupLock}
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    SELECT $1, p.payload, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb
      FROM (SELECT 1) one LEFT JOIN l ON TRUE
           CROSS JOIN pg_catalog.unnest($2::jsonb[]) WITH ORDINALITY AS p(payload, ord)
     ORDER BY p.ord
    RETURNING id, ${notify}`;
  const enqueueLeasedSql = leasedInsertSql(conn);

  // Group commit (`EnqueueParams.rows`): several callers' messages, each with its own times, priority and headers,
  // in one statement and so one commit. Never a group key, so no group lock.
  const enqueueRowsSql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, headers)
    SELECT $1, r.payload, 0, r.enqueued_at, r.vt, $5, r.priority, r.headers
      FROM ROWS FROM (pg_catalog.unnest($2::jsonb[]), pg_catalog.unnest($3::timestamptz[]),
                      pg_catalog.unnest($4::timestamptz[]), pg_catalog.unnest($7::int[]),
                      pg_catalog.unnest($8::jsonb[]))
           WITH ORDINALITY AS r(payload, enqueued_at, vt, priority, headers, ord)
     ORDER BY r.ord
    RETURNING id, ${notify}`;

  // A dedup enqueue ($10 key, $11 the window's start or NULL). Race-free: the partial unique index on (queue_id,
  // dedup_key) WHERE archived_at IS NULL admits one unarchived row per key; ON CONFLICT DO NOTHING makes a second
  // inserter wait for the first one's transaction and then skip. `f` returns the existing row when the insert did
  // nothing: the unarchived one, else (with a window) the latest archived within it. A row committed after this
  // statement's snapshot is invisible to `f`, so the caller repeats the statement (a new snapshot) when neither came
  // back; so does a row archived in between (the next insert then succeeds).
  const enqueueDedupSql = `
    WITH ${groupLock},
    i AS (
      INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                               headers, dedup_key)
      SELECT $1, $2::jsonb, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb, $10::text FROM (SELECT 1) one LEFT JOIN l ON TRUE
       WHERE $11::timestamptz IS NULL OR NOT EXISTS (
               SELECT 1 FROM ${messages}
                WHERE queue_id = $1 AND dedup_key OPERATOR(pg_catalog.=) $10::text AND archived_at >= $11::timestamptz)
      ON CONFLICT (queue_id, dedup_key) WHERE archived_at IS NULL AND dedup_key IS NOT NULL DO NOTHING
      RETURNING id, ${notify}),
    f AS (
      SELECT ${cols.message()} FROM ${messages}
       WHERE queue_id = $1 AND dedup_key OPERATOR(pg_catalog.=) $10::text
         AND (archived_at IS NULL OR archived_at >= $11::timestamptz)
         AND NOT EXISTS (SELECT 1 FROM i)
       ORDER BY archived_at DESC NULLS FIRST
       LIMIT 1)
    SELECT i.id AS new_id, ${cols.message("f")} FROM (SELECT 1) one LEFT JOIN i ON TRUE LEFT JOIN f ON TRUE`;

  return async function enqueue(p: EnqueueParams): Promise<QueueMessage[]> {
    if (p.payloads.length === 0) return [];
    const one = p.payloads.length === 1;
    const tx = p.tx === undefined ? undefined : txClient(p.tx);
    if (p.dedupKey !== undefined && !one) {
      throw new ValidationError("dedupKey takes exactly one payload", { field: "dedupKey" });
    }
    if (p.rows !== undefined) {
      const rows = groupRows(p);
      const values = [
        p.queueId,
        p.payloads,
        rows.map((r) => r.enqueuedAt),
        rows.map((r) => r.visibleAt),
        p.producerWorkerId,
        originSuffix,
        rows.map((r) => r.priority ?? 0),
        rows.map((r) => (r.headers === undefined ? null : JSON.stringify(r.headers))),
      ];
      const ids = (await conn.prepared("enqueue_rows", enqueueRowsSql, values)).map((r) => Number(r.id));
      ids.sort((a, b) => a - b);
      return p.payloads.map((payload, i) => {
        const r = rows[i] as EnqueueRowValues;
        const own: EnqueueParams = {
          ...p,
          enqueuedAt: r.enqueuedAt,
          visibleAt: r.visibleAt,
          priority: r.priority ?? 0,
        };
        delete own.headers;
        if (r.headers !== undefined) own.headers = r.headers;
        return written(own, ids[i] as number, payload, null);
      });
    }
    if (one && tx === undefined && p.dedupKey === undefined && p.groupKey === undefined && p.leaseTo === undefined) {
      // The common single enqueue (and every lone caller of a group commit): one statement, nothing else built.
      const payload = p.payloads[0] as string;
      const headers = p.headers === undefined ? null : JSON.stringify(p.headers);
      const [row] = await conn.prepared("enqueue_one", enqueueOneSql, [
        p.queueId,
        payload,
        p.enqueuedAt,
        p.visibleAt,
        p.producerWorkerId,
        originSuffix,
        p.priority ?? 0,
        null,
        headers,
      ]);
      return [written(p, Number(row?.id), payload, null)];
    }
    const run = (name: string, text: string, values: unknown[]) =>
      tx === undefined ? conn.prepared(name, text, values) : runOnClient(tx, text, values, name, conn);
    const suffix = tx === undefined ? originSuffix : "";
    const base = [
      p.queueId,
      one ? p.payloads[0] : p.payloads,
      p.enqueuedAt,
      p.visibleAt,
      p.producerWorkerId,
      suffix,
      p.priority ?? 0,
      p.groupKey ?? null,
      p.headers === undefined ? null : JSON.stringify(p.headers),
    ];

    if (p.dedupKey !== undefined) {
      const windowStart =
        p.dedupWindowMs !== undefined && p.dedupWindowMs > 0
          ? new Date(p.enqueuedAt.getTime() - p.dedupWindowMs)
          : null;
      for (let attempt = 1; ; attempt++) {
        const [row] = await run("enqueue_dedup", enqueueDedupSql, [...base, p.dedupKey, windowStart]);
        if (row?.new_id !== null && row?.new_id !== undefined) {
          return [written(p, Number(row.new_id), p.payloads[0] as string, p.dedupKey)];
        }
        if (row?.id !== null && row?.id !== undefined) return [{ ...toMessage(row), deduplicated: true }];
        if (attempt >= DEDUP_ATTEMPTS) {
          throw new PgqrsError("CONFLICT", `Conflict: dedup key '${p.dedupKey}' kept changing while enqueuing; retry`, {
            details: { dedupKey: p.dedupKey },
          });
        }
      }
    }

    const leaseTo = p.leaseTo;
    const grouped = p.groupKey !== undefined;
    // A grouped message is never handed off: it must take its group's lock (above) before its id.
    if (leaseTo !== undefined && one && tx === undefined && !grouped) {
      const leased = { ...p, leaseTo };
      const [row] = await conn.prepared("enqueue_leased", enqueueLeasedSql, leasedInsertValues(leased, originSuffix));
      return [leasedInsertMessage(Number(row?.id), row?.consumer_worker_id, leased)];
    }
    const rows = grouped
      ? await run(
          one ? "enqueue_one_grouped" : "enqueue_grouped",
          one ? enqueueOneGroupedSql : enqueueManyGroupedSql,
          base,
        )
      : await run(one ? "enqueue_one" : "enqueue", one ? enqueueOneSql : enqueueManySql, base);
    // Ids are drawn from the sequence in insertion (= payload) order, so sorted ids match the payloads' order.
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    return p.payloads.map((payload, i) => written(p, ids[i] as number, payload, null));
  };
}

/** `p.rows`, checked: one per payload, and none of the options a shared insert cannot carry. */
function groupRows(p: EnqueueParams): readonly EnqueueRowValues[] {
  const rows = p.rows ?? [];
  const clash = [
    ["groupKey", p.groupKey],
    ["dedupKey", p.dedupKey],
    ["leaseTo", p.leaseTo],
    ["tx", p.tx],
  ].find(([, v]) => v !== undefined);
  if (rows.length !== p.payloads.length || clash !== undefined) {
    throw new ValidationError(
      clash === undefined
        ? `rows has ${rows.length} entries for ${p.payloads.length} payloads`
        : `rows (one insert for several callers) cannot carry ${clash[0]}`,
      { field: "rows" },
    );
  }
  return rows;
}

/** The message an insert wrote, as a re-read would return it. */
function written(p: EnqueueParams, id: number, payload: string, dedupKey: string | null): QueueMessage {
  return {
    id,
    queueId: p.queueId,
    payload: JSON.parse(payload) as unknown,
    vt: p.visibleAt,
    enqueuedAt: p.enqueuedAt,
    readCt: 0,
    dequeuedAt: null,
    producerWorkerId: p.producerWorkerId,
    consumerWorkerId: null,
    archivedAt: null,
    deadLetteredAt: null,
    priority: p.priority ?? 0,
    dedupKey,
    groupKey: p.groupKey ?? null,
    lastError: null,
    headers: p.headers ?? null,
    progress: null,
  };
}
