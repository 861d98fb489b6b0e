import type { QueueWorkerCounts } from "../store/store.js";
import type { WorkerStats } from "../types.js";

/** Statistics of one queue's workers from their counts (ages in milliseconds at `now`). */
export function computeWorkerStats(c: QueueWorkerCounts, now: Date): WorkerStats {
  const nowMs = now.getTime();
  return {
    totalWorkers: c.total,
    readyWorkers: c.ready,
    pollingWorkers: c.polling,
    interruptedWorkers: c.interrupted,
    suspendedWorkers: c.suspended,
    stoppedWorkers: c.stopped,
    averageMessagesPerWorker: c.total === 0 ? 0 : c.heldMessages / c.total,
    oldestWorkerAgeMs: c.oldestStartedAt === null ? 0 : nowMs - c.oldestStartedAt.getTime(),
    newestHeartbeatAgeMs: c.newestHeartbeatAt === null ? 0 : nowMs - c.newestHeartbeatAt.getTime(),
  };
}
