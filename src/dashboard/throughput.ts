/**
 * Messages completed per minute over the last hour, as chart series. The counts come from one aggregate read per
 * refresh (`completedPerMinute`: the whole system, plus one per-queue read for the queues on the page), so the cost
 * does not grow with the number of queues and nothing is backfilled or kept per queue.
 */
import type { CompletedMinute } from "../store/store.js";

export const MINUTES = 60;
const MINUTE_MS = 60_000;

export interface ThroughputSeries {
  /** Oldest first; `MINUTES` values, the last one the current minute. */
  counts: number[];
  total: number;
  /** Start of the first minute. */
  from: Date;
}

/** The series of `queueId` (or of the system-wide rows, `null`) ending at the minute of `now`. */
export function seriesOf(rows: readonly CompletedMinute[], now: Date, queueId: number | null = null): ThroughputSeries {
  const current = Math.floor(now.getTime() / MINUTE_MS);
  const first = current - MINUTES + 1;
  const counts = new Array<number>(MINUTES).fill(0);
  for (const r of rows) {
    if (r.queueId !== queueId || r.minute < first || r.minute > current) continue;
    counts[r.minute - first] = (counts[r.minute - first] ?? 0) + r.count;
  }
  return { counts, total: counts.reduce((a, b) => a + b, 0), from: new Date(first * MINUTE_MS) };
}
