/**
 * Metrics. States are derived with the caller's `now` (see QueueMetrics): pending = claimable now, delayed = not
 * visible yet and unleased, leased = held under a live lease.
 */
import type { QueueMetrics, WorkerHealthStats } from "../../types.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { latestVersion, schemaVersion } from "./postgres-migrations.js";
import { countOf } from "./postgres-rows.js";

export type StatsOps = Pick<StoreBackend, "queueMetrics" | "systemStats" | "workerHealthStats">;

/** FILTER predicates over `pgqrs_messages m`; `$1` = now, `$2` = maxReadCt. */
const PENDING = "m.archived_at IS NULL AND m.vt <= $1 AND m.read_ct < $2";
const DELAYED = "m.archived_at IS NULL AND m.vt > $1 AND m.consumer_worker_id IS NULL";
const LEASED = "m.archived_at IS NULL AND m.vt > $1 AND m.consumer_worker_id IS NOT NULL";

const MESSAGE_COUNTS = `
  count(m.id) FILTER (WHERE m.archived_at IS NULL) AS total,
  count(m.id) FILTER (WHERE ${PENDING}) AS pending,
  count(m.id) FILTER (WHERE ${DELAYED}) AS delayed,
  count(m.id) FILTER (WHERE ${LEASED}) AS leased,
  count(m.id) FILTER (WHERE m.archived_at IS NOT NULL) AS archived,
  count(m.id) FILTER (WHERE m.dead_lettered_at IS NOT NULL) AS dead`;

/** FILTER aggregates over `pgqrs_workers w`; `$1` = staleBefore. */
const WORKER_COUNTS = `
  count(w.id) AS total,
  count(w.id) FILTER (WHERE w.status = 'ready') AS ready,
  count(w.id) FILTER (WHERE w.status = 'polling') AS polling,
  count(w.id) FILTER (WHERE w.status = 'interrupted') AS interrupted,
  count(w.id) FILTER (WHERE w.status = 'suspended') AS suspended,
  count(w.id) FILTER (WHERE w.status = 'stopped') AS stopped,
  count(w.id) FILTER (WHERE w.status IN ('ready', 'polling') AND w.heartbeat_at < $1) AS stale`;

function toMetrics(r: Row, now: Date): QueueMetrics {
  const leased = countOf([r], "leased");
  const oldest = r.oldest_pending instanceof Date ? r.oldest_pending : null;
  return {
    name: String(r.queue_name),
    queueId: Number(r.id),
    totalMessages: countOf([r], "total") + countOf([r], "archived"),
    activeMessages: countOf([r], "total"),
    pendingMessages: countOf([r], "pending"),
    delayedMessages: countOf([r], "delayed"),
    leasedMessages: leased,
    lockedMessages: leased,
    archivedMessages: countOf([r], "archived"),
    deadLetteredMessages: countOf([r], "dead"),
    oldestPendingMessage: oldest,
    oldestPendingAgeMs: oldest === null ? 0 : Math.max(0, now.getTime() - oldest.getTime()),
    newestMessage: r.newest instanceof Date ? r.newest : null,
  };
}

function toHealth(r: Row): WorkerHealthStats {
  return {
    queueName: String(r.queue_name),
    totalWorkers: countOf([r], "total"),
    readyWorkers: countOf([r], "ready"),
    pollingWorkers: countOf([r], "polling"),
    interruptedWorkers: countOf([r], "interrupted"),
    suspendedWorkers: countOf([r], "suspended"),
    stoppedWorkers: countOf([r], "stopped"),
    staleWorkers: countOf([r], "stale"),
  };
}

export function createStatsOps(conn: PostgresConnection): StatsOps {
  const queues = conn.t("pgqrs_queues");
  const messages = conn.t("pgqrs_messages");
  const workers = conn.t("pgqrs_workers");

  return {
    async queueMetrics({ queueId, now, maxReadCt }) {
      const rows = await conn.query(
        "queueMetrics",
        `SELECT q.id, q.queue_name, ${MESSAGE_COUNTS},
                min(m.enqueued_at) FILTER (WHERE ${PENDING}) AS oldest_pending,
                max(m.enqueued_at) AS newest
           FROM ${queues} q LEFT JOIN ${messages} m ON m.queue_id = q.id
          WHERE ($3::bigint IS NULL OR q.id = $3)
          GROUP BY q.id, q.queue_name
          ORDER BY q.queue_name`,
        [now, maxReadCt, queueId ?? null],
      );
      return rows.map((r) => toMetrics(r, now));
    },

    async systemStats({ now, maxReadCt }) {
      const rows = await conn.query(
        "systemStats",
        `SELECT
           (SELECT count(*) FROM ${queues}) AS queues,
           (SELECT count(*) FROM ${workers}) AS workers,
           (SELECT count(*) FROM ${workers} WHERE status IN ('ready', 'polling')) AS active_workers,
           (SELECT count(*) FROM ${conn.t("pgqrs_workflows")}) AS workflows,
           (SELECT count(*) FROM ${conn.t("pgqrs_workflow_runs")}) AS runs,
           c.*
         FROM (SELECT ${MESSAGE_COUNTS} FROM ${messages} m) c`,
        [now, maxReadCt],
      );
      const r = rows[0] ?? {};
      const leased = countOf([r], "leased");
      const version = await schemaVersion(conn, conn);
      return {
        totalQueues: countOf([r], "queues"),
        totalWorkers: countOf([r], "workers"),
        activeWorkers: countOf([r], "active_workers"),
        totalMessages: countOf([r], "total"),
        pendingMessages: countOf([r], "pending"),
        leasedMessages: leased,
        lockedMessages: leased,
        archivedMessages: countOf([r], "archived"),
        deadLetteredMessages: countOf([r], "dead"),
        totalWorkflows: countOf([r], "workflows"),
        totalRuns: countOf([r], "runs"),
        schemaVersion: String(version > 0 ? version : await latestVersion()),
      };
    },

    async workerHealthStats({ staleBefore, groupByQueue }) {
      // Grouped by queue id, so a queue literally named "Admin" stays apart from the admin workers.
      const sql = groupByQueue
        ? `SELECT COALESCE(min(q.queue_name), 'Admin') AS queue_name, ${WORKER_COUNTS}
             FROM ${workers} w LEFT JOIN ${queues} q ON q.id = w.queue_id
            GROUP BY w.queue_id
            ORDER BY 1`
        : `SELECT 'Global' AS queue_name, ${WORKER_COUNTS} FROM ${workers} w`;
      const rows = await conn.query("workerHealthStats", sql, [staleBefore]);
      return rows.map(toHealth);
    },
  };
}
