/** Worker rows: registration, guarded status transitions, heartbeats, reads and deletion. */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import { EPHEMERAL_WORKER_PREFIX, type WorkerFilter } from "../worker-filter.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, countOf, page, toWorker } from "./postgres-rows.js";

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

function filter(p: WorkerFilter, statusType: string) {
  const values: unknown[] = [];
  const parts = ["TRUE"];
  if (p.queueId !== undefined) {
    values.push(p.queueId);
    parts.push(`queue_id = $${values.length}`);
  }
  if (p.status !== undefined) {
    values.push(p.status);
    parts.push(`status OPERATOR(pg_catalog.=) $${values.length}::${statusType}`);
  }
  if (p.hideStopped === true) parts.push(`status OPERATOR(pg_catalog.<>) 'stopped'::${statusType}`);
  if (p.hideEphemeral === true) {
    values.push(EPHEMERAL_WORKER_PREFIX);
    parts.push(`NOT pg_catalog.starts_with(name, $${values.length})`);
  }
  return { sql: parts.join(" AND "), values };
}

function alreadyRegistered(name: string, status: string): ValidationError {
  return status === "suspended"
    ? new ValidationError(`Worker ${name} is suspended. Use resume() to reactivate.`, { name, status })
    : new ValidationError(`Worker ${name} is already active. Cannot register duplicate.`, { name, status });
}

export function createWorkerOps(conn: PostgresConnection): WorkerOps {
  const workers = conn.t("pgqrs_workers");
  const messages = conn.t("pgqrs_messages");
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

    async getWorker(id) {
      const rows = await conn.prepared("worker_by_id", `SELECT ${cols.worker()} FROM ${workers} WHERE id = $1`, [id]);
      return rows[0] === undefined ? null : toWorker(rows[0]);
    },

    async getWorkerByName(name) {
      const rows = await conn.query("getWorkerByName", `SELECT ${cols.worker()} FROM ${workers} WHERE name = $1`, [
        name,
      ]);
      return rows[0] === undefined ? null : toWorker(rows[0]);
    },

    async listWorkers(p) {
      const { sql, values } = filter(p, statusType);
      const { limit, offset } = page(p);
      const rows = await conn.query(
        "listWorkers",
        `SELECT ${cols.worker()} FROM ${workers} WHERE ${sql} ORDER BY started_at DESC, id DESC
          LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        [...values, limit, offset],
      );
      return rows.map(toWorker);
    },

    async countWorkers(p) {
      const { sql, values } = filter(p, statusType);
      return countOf(
        await conn.query("countWorkers", `SELECT pg_catalog.count(*) AS n FROM ${workers} WHERE ${sql}`, values),
      );
    },

    async countWorkerReferences(id) {
      return countOf(await conn.query("countWorkerReferences", referencesSql(messages), [id]));
    },

    async countHeldMessages({ workerId }) {
      const rows = await conn.query(
        "countHeldMessages",
        `SELECT pg_catalog.count(*) AS n FROM ${messages} m JOIN ${workers} w ON w.id = m.consumer_worker_id
          WHERE m.consumer_worker_id = $1 AND m.archived_at IS NULL AND m.queue_id = w.queue_id`,
        [workerId],
      );
      return countOf(rows);
    },

    async deleteWorker(id) {
      return conn.transaction("deleteWorker", async (tx) => {
        // Locking the worker row blocks message inserts that would reference it (their foreign-key check takes a
        // KEY SHARE lock on it) between the reference count and the delete.
        const found = await tx.query("deleteWorker", `SELECT id FROM ${workers} WHERE id = $1 FOR UPDATE`, [id]);
        if (found.length === 0) return 0;
        const refs = countOf(await tx.query("deleteWorker", referencesSql(messages), [id]));
        if (refs > 0) {
          throw new ValidationError(`Worker has ${refs} references (associated messages/archives)`, {
            workerId: id,
            references: refs,
          });
        }
        const deleted = await tx.query("deleteWorker", `DELETE FROM ${workers} WHERE id = $1 RETURNING id`, [id]);
        return deleted.length;
      });
    },
  };
}

/** Messages (any state) produced or consumed by worker `$1`; two index probes rather than one OR scan. */
function referencesSql(messages: string): string {
  return `SELECT (SELECT pg_catalog.count(*) FROM ${messages} WHERE producer_worker_id = $1)
               + (SELECT pg_catalog.count(*) FROM ${messages} WHERE consumer_worker_id = $1 AND producer_worker_id IS DISTINCT FROM $1)
               AS n`;
}
