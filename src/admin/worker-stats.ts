import type { WorkerRecord, WorkerStats } from "../types.js";

/** Statistics of one queue's workers from their rows and the messages each holds (same order). */
export function computeWorkerStats(workers: readonly WorkerRecord[], held: readonly number[], now: Date): WorkerStats {
  const count = (s: WorkerRecord["status"]) => workers.filter((w) => w.status === s).length;
  const totalHeld = held.reduce((a, b) => a + b, 0);
  const nowMs = now.getTime();
  return {
    totalWorkers: workers.length,
    readyWorkers: count("ready"),
    pollingWorkers: count("polling"),
    interruptedWorkers: count("interrupted"),
    suspendedWorkers: count("suspended"),
    stoppedWorkers: count("stopped"),
    averageMessagesPerWorker: workers.length === 0 ? 0 : totalHeld / workers.length,
    oldestWorkerAgeMs: workers.length === 0 ? 0 : Math.max(...workers.map((w) => nowMs - w.startedAt.getTime())),
    newestHeartbeatAgeMs: workers.length === 0 ? 0 : Math.min(...workers.map((w) => nowMs - w.heartbeatAt.getTime())),
  };
}
