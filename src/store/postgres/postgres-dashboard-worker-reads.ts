/** The dashboard's reads of workers: how many are zombies, and each listed worker's held messages. */
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { countOf } from "./postgres-rows.js";

export type DashboardWorkerReadOps = Pick<StoreBackend, "countZombies" | "workerActivity">;

export function createDashboardWorkerReadOps(conn: PostgresConnection): DashboardWorkerReadOps {
  const messages = conn.t("pgqrs_messages");
  const workers = conn.t("pgqrs_workers");
  // The predicate of listZombies (postgres-zombies.ts); a conformance test keeps the two in step.
  const zombie =
    "w.status OPERATOR(pg_catalog.<>) 'stopped' AND w.background_heartbeat_since = w.started_at AND w.heartbeat_at < $1::timestamptz";

  return {
    async countZombies({ olderThan }) {
      const rows = await conn.query(
        "countZombies",
        `SELECT pg_catalog.count(*) AS n FROM ${workers} w WHERE ${zombie}`,
        [olderThan],
      );
      return countOf(rows);
    },

    async workerActivity({ workerIds, olderThan }) {
      if (workerIds.length === 0) return [];
      // One indexed count per listed worker (idx_pgqrs_messages_consumer_worker_id_active), inside one statement.
      const rows = await conn.query(
        "workerActivity",
        `SELECT w.id, (${zombie}) AS zombie,
                (SELECT pg_catalog.count(*) FROM ${messages} m
                  WHERE m.consumer_worker_id = w.id AND m.archived_at IS NULL) AS held
           FROM ${workers} w WHERE w.id = ANY($2::int8[]) ORDER BY w.id`,
        [olderThan, workerIds],
      );
      return rows.map((r) => ({
        workerId: Number(r.id),
        heldMessages: countOf([r], "held"),
        zombie: r.zombie === true,
      }));
    },
  };
}
