/** Queue metrics, system stats and worker health, each one aggregate query. */
import type { QueueMetrics, SystemStats, WorkerHealthStats } from "../../types.js";
import type { QueueWorkerCounts } from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { decodeTimeOrNull, encodeTime } from "./sqlite-time.js";

/**
 * One pass over the messages with the states of `types.ts` (they partition the unarchived rows):
 * pending = visible and below maxReadCt (what dequeue can take, expired leases included);
 * delayed = unleased and not yet visible; leased = under a live lease.
 * dead = archived by the dead-letter sweep (it sets both columns to one time); a message pgqrs replayed
 * (archived_at cleared, dead_lettered_at kept) is pending, never dead as well.
 * Also summed by the dashboard reads (over `pgqrs_messages` alone, so the columns need no prefix).
 */
export const MESSAGE_COUNTS = `
  COALESCE(SUM(archived_at IS NULL), 0) AS total,
  COALESCE(SUM(archived_at IS NULL AND vt <= @now AND read_ct < @maxReadCt), 0) AS pending,
  COALESCE(SUM(archived_at IS NULL AND consumer_worker_id IS NULL AND vt > @now), 0) AS delayed,
  COALESCE(SUM(archived_at IS NULL AND consumer_worker_id IS NOT NULL AND vt > @now), 0) AS leased,
  COALESCE(SUM(archived_at IS NOT NULL), 0) AS archived,
  COALESCE(SUM(archived_at IS NOT NULL AND dead_lettered_at = archived_at), 0) AS dead`;

interface CountsRow {
  total: number;
  pending: number;
  delayed: number;
  leased: number;
  archived: number;
  dead: number;
}

interface MetricsRow extends CountsRow {
  queue_id: number;
  name: string;
  oldest_pending: string | null;
  newest: string | null;
}

function metricsSql(oneQueue: boolean): string {
  const filter = oneQueue ? "WHERE queue_id = @queueId" : "";
  return `SELECT q.id AS queue_id, q.queue_name AS name,
    COALESCE(a.total, 0) AS total, COALESCE(a.pending, 0) AS pending, COALESCE(a.delayed, 0) AS delayed,
    COALESCE(a.leased, 0) AS leased, COALESCE(a.archived, 0) AS archived, COALESCE(a.dead, 0) AS dead,
    a.oldest_pending, a.newest
  FROM pgqrs_queues q
  LEFT JOIN (
    SELECT queue_id, ${MESSAGE_COUNTS},
      MIN(CASE WHEN archived_at IS NULL AND vt <= @now AND read_ct < @maxReadCt THEN enqueued_at END) AS oldest_pending,
      MAX(enqueued_at) AS newest
    FROM pgqrs_messages ${filter}
    GROUP BY queue_id
  ) a ON a.queue_id = q.id
  ${oneQueue ? "WHERE q.id = @queueId" : ""}
  ORDER BY q.queue_name`;
}

export function queueMetrics(
  c: SqliteConnection,
  p: { queueId?: number; now: Date; maxReadCt: number },
): QueueMetrics[] {
  const params: Record<string, number | string> = { now: encodeTime(p.now), maxReadCt: p.maxReadCt };
  if (p.queueId !== undefined) params["queueId"] = p.queueId;
  const rows = c.all<MetricsRow>(metricsSql(p.queueId !== undefined), params);
  return rows.map((r) => {
    const oldest = decodeTimeOrNull(r.oldest_pending);
    return {
      name: r.name,
      queueId: r.queue_id,
      totalMessages: r.total + r.archived,
      activeMessages: r.total,
      pendingMessages: r.pending,
      delayedMessages: r.delayed,
      leasedMessages: r.leased,
      lockedMessages: r.leased,
      archivedMessages: r.archived,
      deadLetteredMessages: r.dead,
      oldestPendingMessage: oldest,
      oldestPendingAgeMs: oldest === null ? 0 : Math.max(0, p.now.getTime() - oldest.getTime()),
      newestMessage: decodeTimeOrNull(r.newest),
    };
  });
}

interface SystemRow extends CountsRow {
  queues: number;
  workers: number;
  active_workers: number;
  workflows: number;
  runs: number;
  schema_version: number | null;
}

const SYSTEM_SQL = `SELECT
  (SELECT COUNT(*) FROM pgqrs_queues) AS queues,
  (SELECT COUNT(*) FROM pgqrs_workers) AS workers,
  (SELECT COUNT(*) FROM pgqrs_workers WHERE status IN ('ready', 'polling')) AS active_workers,
  (SELECT COUNT(*) FROM pgqrs_workflows) AS workflows,
  (SELECT COUNT(*) FROM pgqrs_workflow_runs) AS runs,
  (SELECT MAX(version) FROM pgqrs_migrations) AS schema_version,
  m.*
FROM (SELECT ${MESSAGE_COUNTS} FROM pgqrs_messages) m`;

/** `schemaVersion` is the highest applied migration number (pgqrs hard-codes "0.5.0"). */
export function systemStats(c: SqliteConnection, p: { now: Date; maxReadCt: number }): SystemStats {
  const r = c.get<SystemRow>(SYSTEM_SQL, { now: encodeTime(p.now), maxReadCt: p.maxReadCt })!;
  return {
    totalQueues: r.queues,
    totalWorkers: r.workers,
    activeWorkers: r.active_workers,
    totalMessages: r.total,
    pendingMessages: r.pending,
    leasedMessages: r.leased,
    lockedMessages: r.leased,
    archivedMessages: r.archived,
    deadLetteredMessages: r.dead,
    totalWorkflows: r.workflows,
    totalRuns: r.runs,
    schemaVersion: String(r.schema_version ?? 0),
  };
}

interface HealthRow {
  queue_name: string;
  total: number;
  ready: number;
  polling: number;
  interrupted: number;
  suspended: number;
  stopped: number;
  stale: number;
}

const WORKER_COUNTS = `COUNT(w.id) AS total,
  COALESCE(SUM(w.status = 'ready'), 0) AS ready,
  COALESCE(SUM(w.status = 'polling'), 0) AS polling,
  COALESCE(SUM(w.status = 'interrupted'), 0) AS interrupted,
  COALESCE(SUM(w.status = 'suspended'), 0) AS suspended,
  COALESCE(SUM(w.status = 'stopped'), 0) AS stopped,
  COALESCE(SUM(w.status IN ('ready', 'polling') AND w.heartbeat_at < ?), 0) AS stale`;

/** Grouped by queue id (a queue literally named "Admin" stays apart from the admin workers). */
const HEALTH_GROUPED_SQL = `SELECT COALESCE(q.queue_name, 'Admin') AS queue_name, ${WORKER_COUNTS}
FROM pgqrs_workers w LEFT JOIN pgqrs_queues q ON q.id = w.queue_id
GROUP BY w.queue_id
ORDER BY queue_name`;

const HEALTH_GLOBAL_SQL = `SELECT 'Global' AS queue_name, ${WORKER_COUNTS} FROM pgqrs_workers w`;

export function workerHealthStats(
  c: SqliteConnection,
  p: { staleBefore: Date; groupByQueue: boolean },
): WorkerHealthStats[] {
  const rows = c.all<HealthRow>(p.groupByQueue ? HEALTH_GROUPED_SQL : HEALTH_GLOBAL_SQL, encodeTime(p.staleBefore));
  return rows.map((r) => ({
    queueName: r.queue_name,
    totalWorkers: r.total,
    readyWorkers: r.ready,
    pollingWorkers: r.polling,
    interruptedWorkers: r.interrupted,
    suspendedWorkers: r.suspended,
    stoppedWorkers: r.stopped,
    staleWorkers: r.stale,
  }));
}

interface QueueWorkerCountsRow {
  total: number;
  ready: number;
  polling: number;
  interrupted: number;
  suspended: number;
  stopped: number;
  held: number;
  oldest_started: string | null;
  newest_heartbeat: string | null;
}

/** One statement for the whole queue, whatever its number of workers (no per-worker count, no row cap). */
const QUEUE_WORKER_COUNTS_SQL = `SELECT COUNT(w.id) AS total,
  COALESCE(SUM(w.status = 'ready'), 0) AS ready,
  COALESCE(SUM(w.status = 'polling'), 0) AS polling,
  COALESCE(SUM(w.status = 'interrupted'), 0) AS interrupted,
  COALESCE(SUM(w.status = 'suspended'), 0) AS suspended,
  COALESCE(SUM(w.status = 'stopped'), 0) AS stopped,
  MIN(w.started_at) AS oldest_started,
  MAX(w.heartbeat_at) AS newest_heartbeat,
  (SELECT COUNT(*) FROM pgqrs_messages m JOIN pgqrs_workers h ON h.id = m.consumer_worker_id
    WHERE m.queue_id = @queueId AND h.queue_id = @queueId AND m.archived_at IS NULL) AS held
FROM pgqrs_workers w
WHERE w.queue_id = @queueId`;

export function queueWorkerCounts(c: SqliteConnection, p: { queueId: number }): QueueWorkerCounts {
  const r = c.get<QueueWorkerCountsRow>(QUEUE_WORKER_COUNTS_SQL, { queueId: p.queueId })!;
  return {
    total: r.total,
    ready: r.ready,
    polling: r.polling,
    interrupted: r.interrupted,
    suspended: r.suspended,
    stopped: r.stopped,
    heldMessages: r.held,
    oldestStartedAt: decodeTimeOrNull(r.oldest_started),
    newestHeartbeatAt: decodeTimeOrNull(r.newest_heartbeat),
  };
}
