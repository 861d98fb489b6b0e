/**
 * Worker rows: registration, guarded status transitions and heartbeats; composed with their reads
 * (postgres-worker-reads.ts) and deletion (postgres-worker-deletion.ts).
 */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, toWorker } from "./postgres-rows.js";
import { createWorkerDeletionOps } from "./postgres-worker-deletion.js";
import { createWorkerReadOps } from "./postgres-worker-reads.js";

export type WorkerOps = Pick<
  StoreBackend,
  | "registerWorker"
  | "transitionWorker"
  | "heartbeat"
  | "heartbeatMany"
  | "getWorker"
  | "getWorkerByName"
  | "listWorkers"
  | "countWorkers"
  | "countWorkerReferences"
  | "countHeldMessages"
  | "deleteWorker"
>;

/** Registration can race with a concurrent stop or delete of the same name; it retries that many times. */
const REGISTER_ATTEMPTS = 3;

function alreadyRegistered(name: string, status: string): ValidationError {
  return status === "suspended"
    ? new ValidationError(`Worker ${name} is suspended. Use resume() to reactivate.`, { name, status })
    : new ValidationError(`Worker ${name} is already active. Cannot register duplicate.`, { name, status });
}

/** Every worker-row operation; the registration statement is built once, here. */
export function createWorkerOps(conn: PostgresConnection): WorkerOps {
  const workers = conn.t("pgqrs_workers");
  const statusType = `${conn.q}.worker_status`;

  // A stopped worker's name is reused in place; the unique name index makes two registrations of one new name
  // serialise, and the loser sees the winner's row (not stopped) and gets the duplicate error.
  // background_heartbeat_since = started_at marks the row as a worker that heartbeats in the background (every
  // worker of this package does): only such rows are reclaimed as zombies (migration 0007).
  const registerSql = `
    INSERT INTO ${workers} AS w (name, queue_id, started_at, heartbeat_at, status, background_heartbeat_since)
    VALUES ($1, $2, $3, $3, 'ready', $3)
    ON CONFLICT (name) DO UPDATE
       SET queue_id = EXCLUDED.queue_id, started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at,
           shutdown_at = NULL, status = 'ready', background_heartbeat_since = EXCLUDED.background_heartbeat_since
     WHERE w.status OPERATOR(pg_catalog.=) 'stopped'
    RETURNING ${cols.worker()}`;

  return {
    ...createWorkerReadOps(conn),
    ...createWorkerDeletionOps(conn),

    async registerWorker({ name, queueId, now }) {
      for (let attempt = 1; attempt <= REGISTER_ATTEMPTS; attempt++) {
        const rows = await conn.query("registerWorker", registerSql, [name, queueId, now]);
        if (rows[0] !== undefined) return toWorker(rows[0]);
        const current = await conn.query("registerWorker", `SELECT status FROM ${workers} WHERE name = $1`, [name]);
        const status = current[0]?.status;
        if (typeof status === "string" && status !== "stopped") throw alreadyRegistered(name, status);
      }
      throw new PgqrsError("CONFLICT", `Conflict: worker ${name} kept changing while registering; retry`, {
        details: { name },
      });
    },

    async transitionWorker({ id, from, to, now }) {
      const rows = await conn.query(
        "transitionWorker",
        `UPDATE ${workers}
            SET status = $3::${statusType},
                shutdown_at = CASE WHEN $3::${statusType} OPERATOR(pg_catalog.=) 'stopped' THEN $4::timestamptz ELSE shutdown_at END
          WHERE id = $1 AND status OPERATOR(pg_catalog.=) ANY($2::${statusType}[])
         RETURNING ${cols.worker()}`,
        [id, from, to, now],
      );
      return rows[0] === undefined ? null : toWorker(rows[0]);
    },

    async heartbeat({ id, now }) {
      const rows = await conn.prepared(
        "heartbeat",
        `UPDATE ${workers} SET heartbeat_at = $2 WHERE id = $1 RETURNING id`,
        [id, now],
      );
      return rows.length > 0;
    },

    async heartbeatMany({ ids, now }) {
      if (ids.length === 0) return [];
      const rows = await conn.prepared(
        "heartbeat_many",
        // A stopped worker keeps its last heartbeat (purgeOldWorkers goes by it) but still counts as present.
        `WITH beat AS (UPDATE ${workers} SET heartbeat_at = $2
                        WHERE id = ANY($1::bigint[]) AND status OPERATOR(pg_catalog.<>) 'stopped' RETURNING id)
         SELECT id FROM ${workers} WHERE id = ANY($1::bigint[])`,
        [ids, now],
      );
      return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    },
  };
}
