/**
 * Enqueue: which statement a call takes (the statements are in postgres-enqueue-sql.ts). Plain inserts (one named
 * prepared statement per call, whatever the batch size), the group commit of several callers' rows, the hand-off to
 * an idle consumer (postgres-leased-insert.ts), dedup keys, and inserts through the application's own transaction
 * (`tx`).
 */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type { EnqueueRowValues } from "../message-params.js";
import type { EnqueueParams, StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { runOnClient } from "./postgres-connection.js";
import { enqueueStatements } from "./postgres-enqueue-sql.js";
import { leasedInsertMessage, leasedInsertSql, leasedInsertValues } from "./postgres-leased-insert.js";
import { toMessage } from "./postgres-rows.js";

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

/** One statement of an enqueue: a named prepared statement of the store, or a query on the caller's `tx`. */
type RunStatement = (name: string, text: string, values: unknown[]) => Promise<Row[]>;

/**
 * The store's `enqueue`; its statements are built here, once. `originSuffix`: this store's tag on its enqueue
 * notifications (`tx` enqueues send '' instead, see `enqueueStatements`).
 */
export function createEnqueue(conn: PostgresConnection, originSuffix: string): StoreBackend["enqueue"] {
  const sql = enqueueStatements(conn);
  const enqueueLeasedSql = leasedInsertSql(conn);

  return async function enqueue(p: EnqueueParams): Promise<QueueMessage[]> {
    if (p.payloads.length === 0) return [];
    const one = p.payloads.length === 1;
    const tx = p.tx === undefined ? undefined : txClient(p.tx);
    if (p.dedupKey !== undefined && !one) {
      throw new ValidationError("dedupKey takes exactly one payload", { field: "dedupKey" });
    }
    if (p.rows !== undefined) return enqueueRows(conn, sql.enqueueRowsSql, originSuffix, p);
    if (one && tx === undefined && p.dedupKey === undefined && p.groupKey === undefined && p.leaseTo === undefined) {
      // The common single enqueue (and every lone caller of a group commit): one statement, nothing else built.
      const payload = p.payloads[0] as string;
      const headers = p.headers === undefined ? null : JSON.stringify(p.headers);
      const [row] = await conn.prepared("enqueue_one", sql.enqueueOneSql, [
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

    if (p.dedupKey !== undefined) return enqueueDedup(run, sql.enqueueDedupSql, p, base, p.dedupKey);

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
          one ? sql.enqueueOneGroupedSql : sql.enqueueManyGroupedSql,
          base,
        )
      : await run(one ? "enqueue_one" : "enqueue", one ? sql.enqueueOneSql : sql.enqueueManySql, base);
    // Ids are drawn from the sequence in insertion (= payload) order, so sorted ids match the payloads' order.
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    return p.payloads.map((payload, i) => written(p, ids[i] as number, payload, null));
  };
}

/** A group commit (`p.rows`): several callers' messages in one statement, each with its own times and options. */
async function enqueueRows(
  conn: PostgresConnection,
  enqueueRowsSql: string,
  originSuffix: string,
  p: EnqueueParams,
): Promise<QueueMessage[]> {
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

/**
 * A dedup enqueue of one payload: the new message, or the existing one of `dedupKey` marked `deduplicated`. `base`:
 * the plain insert's values, which the dedup statement extends.
 */
async function enqueueDedup(
  run: RunStatement,
  enqueueDedupSql: string,
  p: EnqueueParams,
  base: unknown[],
  dedupKey: string,
): Promise<QueueMessage[]> {
  const windowStart =
    p.dedupWindowMs !== undefined && p.dedupWindowMs > 0 ? new Date(p.enqueuedAt.getTime() - p.dedupWindowMs) : null;
  for (let attempt = 1; ; attempt++) {
    const [row] = await run("enqueue_dedup", enqueueDedupSql, [...base, dedupKey, windowStart]);
    if (row?.new_id !== null && row?.new_id !== undefined) {
      return [written(p, Number(row.new_id), p.payloads[0] as string, dedupKey)];
    }
    if (row?.id !== null && row?.id !== undefined) return [{ ...toMessage(row), deduplicated: true }];
    if (attempt >= DEDUP_ATTEMPTS) {
      throw new PgqrsError("CONFLICT", `Conflict: dedup key '${dedupKey}' kept changing while enqueuing; retry`, {
        details: { dedupKey },
      });
    }
  }
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
