/** The Store contract's statistics: per-queue metrics, system totals, worker health. */
import type { QueueMetrics, SystemStats, WorkerHealthStats } from "../types.js";

/** One queue's workers by status, with the messages they hold. */
export interface QueueWorkerCounts {
  total: number;
  ready: number;
  polling: number;
  interrupted: number;
  suspended: number;
  stopped: number;
  /** Unarchived messages of the queue leased to one of its workers. */
  heldMessages: number;
  /** Earliest `started_at` of the queue's workers; `null` without workers. */
  oldestStartedAt: Date | null;
  /** Latest `heartbeat_at` of the queue's workers; `null` without workers. */
  newestHeartbeatAt: Date | null;
}

export interface StatsStoreOps {
  /** One row per queue (empty queues included), by name; or only the given queue. */
  queueMetrics(p: { queueId?: number; now: Date; maxReadCt: number }): Promise<QueueMetrics[]>;
  systemStats(p: { now: Date; maxReadCt: number }): Promise<SystemStats>;
  workerHealthStats(p: { staleBefore: Date; groupByQueue: boolean }): Promise<WorkerHealthStats[]>;
  /** Counts over one queue's workers and the messages they hold, in one statement. */
  queueWorkerCounts(p: { queueId: number }): Promise<QueueWorkerCounts>;
}
