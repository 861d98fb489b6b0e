/** Dead-worker detection and clean-up: listing zombies, reclaiming their leases, purging old stopped rows. */
import type { StoreBackend } from "../store.js";
import { EPHEMERAL_WORKER_PREFIX } from "../worker-filter.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, countOf, toWorker } from "./postgres-rows.js";

export type ZombieOps = Pick<StoreBackend, "listZombies" | "reclaimZombies" | "purgeOldWorkers">;

export function createZombieOps(conn: PostgresConnection): ZombieOps {
  const workers = conn.t("pgqrs_workers");
  const messages = conn.t("pgqrs_messages");
  const purgeSql = purgeSqlOf(workers, messages);

  /**
   * `$1` = olderThan, `$2` = queue id or NULL for every queue. Only workers that heartbeat in the background
   * (registered by this package: `background_heartbeat_since = started_at`) can be zombies: a pgqrs (Rust/Python)
   * worker beats only while idle, so a stale heartbeat may just mean a long handler; its messages come back when
   * their leases expire.
   */
  const zombieWhere = `status OPERATOR(pg_catalog.<>) 'stopped' AND background_heartbeat_since = started_at AND heartbeat_at < $1
    AND ($2::bigint IS NULL OR queue_id = $2)`;

  return {
    async listZombies({ queueId, olderThan }) {
      const rows = await conn.query(
        "listZombies",
        `SELECT ${cols.worker()} FROM ${workers} WHERE ${zombieWhere} ORDER BY heartbeat_at, id`,
        [olderThan, queueId ?? null],
      );
      return rows.map(toWorker);
    },

    async reclaimZombies({ queueId, olderThan, now }) {
      return conn.transaction("reclaimZombies", async (tx) => {
        // Lock the zombies so two reclaimers (or a late heartbeat) do not interleave: the lock re-checks the
        // predicate on the latest row version, so a worker that heartbeated meanwhile is no longer taken. NO KEY:
        // the key is not changed, and a key lock would block the foreign-key checks of the zombie's own in-flight
        // claims and enqueues, which hold the message rows this transaction then waits for (a deadlock).
        const zombies = await tx.query(
          "reclaimZombies",
          `SELECT id FROM ${workers} WHERE ${zombieWhere} ORDER BY heartbeat_at, id FOR NO KEY UPDATE`,
          [olderThan, queueId ?? null],
        );
        const ids = zombies.map((r) => Number(r.id));
        if (ids.length === 0) return { released: 0, workers: [] };
        const released = await tx.query(
          "reclaimZombies",
          `WITH r AS (
             UPDATE ${messages} SET consumer_worker_id = NULL, vt = $2
              WHERE consumer_worker_id = ANY($1::bigint[]) AND archived_at IS NULL
             RETURNING 1)
           SELECT pg_catalog.count(*) AS n FROM r`,
          [ids, now],
        );
        await tx.query(
          "reclaimZombies",
          `UPDATE ${workers} SET status = 'stopped', shutdown_at = $2 WHERE id = ANY($1::bigint[])`,
          [ids, now],
        );
        return { released: countOf(released), workers: ids };
      });
    },

    async purgeOldWorkers({ olderThan }) {
      return conn.transaction("purgeOldWorkers", async (tx) => {
        // Stopped ephemeral workers (anonymous, one per process and queue) are referenced by every message they
        // enqueued or handled, which would keep them forever: their references are cleared first (an admin-time
        // scan of the messages; producer and consumer ids are informational and nullable in pgqrs's schema too).
        const gone = `SELECT id FROM ${workers} WHERE status OPERATOR(pg_catalog.=) 'stopped' AND heartbeat_at < $1
            AND pg_catalog.starts_with(name, $2)`;
        const args = [olderThan, EPHEMERAL_WORKER_PREFIX];
        await tx.query(
          "purgeOldWorkers",
          `UPDATE ${messages} SET producer_worker_id = NULL WHERE producer_worker_id IN (${gone})`,
          args,
        );
        await tx.query(
          "purgeOldWorkers",
          `UPDATE ${messages} SET consumer_worker_id = NULL WHERE consumer_worker_id IN (${gone})`,
          args,
        );
        return countOf(await tx.query("purgeOldWorkers", purgeSql, [olderThan]));
      });
    },
  };
}

function purgeSqlOf(workers: string, messages: string): string {
  return `WITH d AS (
           DELETE FROM ${workers} w
            WHERE w.status OPERATOR(pg_catalog.=) 'stopped' AND w.heartbeat_at < $1
              AND NOT EXISTS (SELECT 1 FROM ${messages} m WHERE m.producer_worker_id = w.id)
              AND NOT EXISTS (SELECT 1 FROM ${messages} m WHERE m.consumer_worker_id = w.id)
           RETURNING 1)
         SELECT pg_catalog.count(*) AS n FROM d`;
}
