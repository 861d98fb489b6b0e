/** Worker rows read on PostgreSQL: by id or name, listed and counted through a filter, and the messages one holds. */
import type { StoreBackend } from "../store.js";
import { EPHEMERAL_WORKER_PREFIX, type WorkerFilter } from "../worker-filter.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, countOf, page, toWorker } from "./postgres-rows.js";

export type WorkerReadOps = Pick<
  StoreBackend,
  "getWorker" | "getWorkerByName" | "listWorkers" | "countWorkers" | "countHeldMessages"
>;

/** The reads of worker rows. */
export function createWorkerReadOps(conn: PostgresConnection): WorkerReadOps {
  const workers = conn.t("pgqrs_workers");
  const messages = conn.t("pgqrs_messages");
  const statusType = `${conn.q}.worker_status`;

  return {
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

    async countHeldMessages({ workerId }) {
      const rows = await conn.query(
        "countHeldMessages",
        `SELECT pg_catalog.count(*) AS n FROM ${messages} m JOIN ${workers} w ON w.id = m.consumer_worker_id
          WHERE m.consumer_worker_id = $1 AND m.archived_at IS NULL AND m.queue_id = w.queue_id`,
        [workerId],
      );
      return countOf(rows);
    },
  };
}

/** The filter's conditions (`TRUE AND …`) and their values, numbered from `$1`. */
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
