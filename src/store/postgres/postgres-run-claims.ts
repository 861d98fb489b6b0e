/**
 * A workflow worker's claim on PostgreSQL: the messages it takes and their runs, created or started (see
 * postgres-run-start-upsert.ts), in one statement; plain, versioned, or through the claim function of a queue with
 * limits.
 */
import type { StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { claimedColumns, toClaimedMessage } from "./postgres-claimed-rows.js";
import { asyncCommit, claimLimited, claimUpdate } from "./postgres-message-leases.js";
import { byClaimOrder, cols, prefixedRun, prefixedRunColumns, toMessage } from "./postgres-rows.js";
import { startRunsUpsert } from "./postgres-run-start-upsert.js";

export type RunClaimOps = Pick<StoreBackend, "dequeueAndStartRuns">;

/** The claim that starts runs; its statements are built once, here. */
export function createRunClaimOps(conn: PostgresConnection): RunClaimOps {
  const startRunsOf = startRunsUpsert(conn);

  const dequeueAndStartRunsSql = dequeueAndStartRunsStatement(conn);
  // A versioned worker's claim ($7: its versions): messages of another version are never claimed, so never
  // counted as a delivery; they wait for a worker of theirs. Unversioned workers keep the statement above.
  const dequeueVersionedSql = dequeueAndStartRunsStatement(
    conn,
    ` AND ((payload OPERATOR(pg_catalog.->>) 'version') IS NULL
                     OR (payload OPERATOR(pg_catalog.->>) 'version') OPERATOR(pg_catalog.=) ANY ($7::text[]))`,
  );

  // A queue with limits: the claim function instead of the claim update ($7: the versions, or NULL for any).
  const dequeueLimitedRunsSql = `
    WITH ${asyncCommit},
    c AS (SELECT ${cols.message("l")} FROM sc, ${claimLimited(conn, "$7::text[]", "NULL::bigint[]")} l),
    ${startRunsOf}
    SELECT ${cols.message("c")}, ${prefixedRunColumns("rr", "run__")}
      FROM c LEFT JOIN rr ON rr.message_id = c.id`;

  return {
    async dequeueAndStartRuns(p) {
      if (p.limit <= 0) return [];
      const vt = new Date(p.now.getTime() + p.leaseMs);
      const values = [p.queueId, p.now, p.maxReadCt, p.limit, vt, p.workerId];
      const rows =
        p.limited === true
          ? await conn.prepared("dequeue_limited_runs", dequeueLimitedRunsSql, [...values, p.versions ?? null])
          : p.versions === undefined
            ? await conn.prepared("dequeue_and_start_runs", dequeueAndStartRunsSql, values)
            : await conn.prepared("dequeue_versioned_runs", dequeueVersionedSql, [...values, p.versions]);
      // The limited claim function returns whole message rows; the claim update only what it did not write.
      const wrote = { queueId: p.queueId, workerId: p.workerId, leaseEnd: vt };
      const message = p.limited === true ? toMessage : (row: Row) => toClaimedMessage(row, wrote);
      return rows
        .map((row) => ({ message: message(row), run: prefixedRun(row, "run__") }))
        .sort((a, b) => byClaimOrder(a.message, b.message));
    },
  };
}

/**
 * A workflow worker's claim: the messages and their runs, created or started as a run's start does, in one
 * statement; `filter` narrows the claimed messages. The claim returns only what it did not write (see
 * postgres-claimed-rows.ts); `c` adds the queue and the consumer, its own parameters, for the runs' insert.
 */
export function dequeueAndStartRunsStatement(conn: PostgresConnection, filter = ""): string {
  return `
    WITH ${asyncCommit},
    cu AS (${claimUpdate(conn, filter)}),
    c AS (SELECT cu.*, $1::bigint AS queue_id, $6::bigint AS consumer_worker_id FROM cu),
    ${startRunsUpsert(conn)}
    SELECT ${claimedColumns("c")}, ${prefixedRunColumns("rr", "run__")}
      FROM c LEFT JOIN rr ON rr.message_id = c.id`;
}
