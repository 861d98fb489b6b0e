/**
 * Metrics. States are derived with the caller's `now` (see QueueMetrics): pending = claimable now, delayed = not
 * visible yet and unleased, leased = held under a live lease.
 */
import type { QueueMetrics, WorkerHealthStats } from "../../types.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { latestVersion, schemaVersion } from "./postgres-migrations.js";
import { countOf } from "./postgres-rows.js";

export type StatsOps = Pick<StoreBackend, "queueMetrics" | "systemStats" | "workerHealthStats" | "queueWorkerCounts">;

/** FILTER predicates over `pgqrs_messages m`; `$1` = now, `$2` = maxReadCt (also used by the dashboard reads). */
export const PENDING = "m.archived_at IS NULL AND m.vt <= $1 AND m.read_ct < $2";
const DELAYED = "m.archived_at IS NULL AND m.vt > $1 AND m.consumer_worker_id IS NULL";
const LEASED = "m.archived_at IS NULL AND m.vt > $1 AND m.consumer_worker_id IS NOT NULL";
/**
 * Archived by the dead-letter sweep (it sets both columns to one time). A message pgqrs replayed (archived_at
 * cleared, dead_lettered_at kept) is pending, never dead as well.
 */
const DEAD = "m.archived_at IS NOT NULL AND m.dead_lettered_at = m.archived_at";

export const MESSAGE_COUNTS = `
  pg_catalog.count(m.id) FILTER (WHERE m.archived_at IS NULL) AS total,
  pg_catalog.count(m.id) FILTER (WHERE ${PENDING}) AS pending,
  pg_catalog.count(m.id) FILTER (WHERE ${DELAYED}) AS delayed,
  pg_catalog.count(m.id) FILTER (WHERE ${LEASED}) AS leased,
  pg_catalog.count(m.id) FILTER (WHERE m.archived_at IS NOT NULL) AS archived,
  pg_catalog.count(m.id) FILTER (WHERE ${DEAD}) AS dead`;

/** FILTER aggregates over `pgqrs_workers w`; `$1` = staleBefore. */
const WORKER_COUNTS = `
  pg_catalog.count(w.id) AS total,
  pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'ready') AS ready,
  pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'polling') AS polling,
  pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'interrupted') AS interrupted,
  pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'suspended') AS suspended,
  pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'stopped') AS stopped,
  pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) ANY ('{ready,polling}') AND w.heartbeat_at < $1) AS stale`;

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

function dateOrNull(v: unknown): Date | null {
  return v instanceof Date ? v : null;
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
                pg_catalog.min(m.enqueued_at) FILTER (WHERE ${PENDING}) AS oldest_pending,
                pg_catalog.max(m.enqueued_at) AS newest
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
           (SELECT pg_catalog.count(*) FROM ${queues}) AS queues,
           (SELECT pg_catalog.count(*) FROM ${workers}) AS workers,
           (SELECT pg_catalog.count(*) FROM ${workers} WHERE status OPERATOR(pg_catalog.=) ANY ('{ready,polling}')) AS active_workers,
           (SELECT pg_catalog.count(*) FROM ${conn.t("pgqrs_workflows")}) AS workflows,
           (SELECT pg_catalog.count(*) FROM ${conn.t("pgqrs_workflow_runs")}) AS runs,
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
        ? `SELECT COALESCE(pg_catalog.min(q.queue_name), 'Admin') AS queue_name, ${WORKER_COUNTS}
             FROM ${workers} w LEFT JOIN ${queues} q ON q.id = w.queue_id
            GROUP BY w.queue_id
            ORDER BY 1`
        : `SELECT 'Global' AS queue_name, ${WORKER_COUNTS} FROM ${workers} w`;
      const rows = await conn.query("workerHealthStats", sql, [staleBefore]);
      return rows.map(toHealth);
    },

    async queueWorkerCounts({ queueId }) {
      // One statement for the whole queue, whatever its number of workers (no per-worker count, no row cap).
      const rows = await conn.query(
        "queueWorkerCounts",
        `SELECT pg_catalog.count(w.id) AS total,
                pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'ready') AS ready,
                pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'polling') AS polling,
                pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'interrupted') AS interrupted,
                pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'suspended') AS suspended,
                pg_catalog.count(w.id) FILTER (WHERE w.status OPERATOR(pg_catalog.=) 'stopped') AS stopped,
                pg_catalog.min(w.started_at) AS oldest_started,
                pg_catalog.max(w.heartbeat_at) AS newest_heartbeat,
                (SELECT pg_catalog.count(*) FROM ${messages} m JOIN ${workers} h ON h.id = m.consumer_worker_id
                  WHERE m.queue_id = $1 AND h.queue_id = $1 AND m.archived_at IS NULL) AS held
           FROM ${workers} w
          WHERE w.queue_id = $1`,
        [queueId],
      );
      const r = rows[0] ?? {};
      return {
        total: countOf([r], "total"),
        ready: countOf([r], "ready"),
        polling: countOf([r], "polling"),
        interrupted: countOf([r], "interrupted"),
        suspended: countOf([r], "suspended"),
        stopped: countOf([r], "stopped"),
        heldMessages: countOf([r], "held"),
        oldestStartedAt: dateOrNull(r.oldest_started),
        newestHeartbeatAt: dateOrNull(r.newest_heartbeat),
      };
    },
  };
}
