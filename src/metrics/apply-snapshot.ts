/**
 * Turning one store snapshot into metric values. Gauges are replaced (a deleted queue's series disappear); counters
 * and the histogram add what the snapshot's window counted.
 */
import type { MetricsSnapshot, StepDurationSample } from "../store/metrics-store.js";
import { WORKER_STATUSES, WORKFLOW_STATUSES } from "../types.js";
import type { MetricFamilies } from "./metric-families.js";

/** Apply `snap`, read at `now`, to the metrics; `bounds` are the histogram's bucket bounds (seconds). */
export function applySnapshot(m: MetricFamilies, snap: MetricsSnapshot, now: Date, bounds: readonly number[]): void {
  m.queueMessages.reset();
  m.oldestPendingAge.reset();
  m.retrying.reset();
  m.deadLetters.reset();
  m.workers.reset();
  m.runs.reset();
  for (const q of snap.queues) {
    const queue = q.queue;
    m.queueMessages.set({ queue, state: "pending" }, q.pending);
    m.queueMessages.set({ queue, state: "delayed" }, q.delayed);
    m.queueMessages.set({ queue, state: "leased" }, q.leased);
    const age = q.oldestPendingAt === null ? 0 : Math.max(0, now.getTime() - q.oldestPendingAt.getTime()) / 1000;
    m.oldestPendingAge.set({ queue }, age);
    m.retrying.set({ queue }, q.retrying);
    m.deadLetters.set({ queue }, q.deadLetters);
    // Zero increments too, so each queue's counters exist from the first scrape (rate() needs a first sample).
    m.completed.inc({ queue }, q.completedInWindow);
    m.deadLettered.inc({ queue }, q.deadLetteredInWindow);
    for (const status of WORKER_STATUSES) m.workers.set({ queue, status }, 0);
  }
  for (const w of snap.workers) m.workers.set({ queue: w.queue ?? "", status: w.status }, w.count);
  for (const workflow of snap.workflows) {
    for (const status of WORKFLOW_STATUSES) m.runs.set({ workflow, status: status.toLowerCase() }, 0);
    // zero() would clear a series' counts: only for workflows seen for the first time.
    if (!m.stepSeries.has(workflow)) {
      m.stepDuration.zero({ workflow });
      m.stepSeries.add(workflow);
    }
  }
  for (const r of snap.runs) m.runs.set({ workflow: r.workflow, status: r.status.toLowerCase() }, r.count);
  for (const s of snap.stepDurations) observeBucket(m, s, bounds);
}

/**
 * prom-client histograms take single observations: `count` observations of the bucket's mean land in that bucket
 * (a mean of values in `(lower, upper]` lies in it) and add exactly the bucket's sum.
 */
function observeBucket(m: MetricFamilies, s: StepDurationSample, bounds: readonly number[]): void {
  if (s.count <= 0) return;
  const lower = s.bucket === 0 ? Number.NEGATIVE_INFINITY : (bounds[s.bucket - 1] ?? Number.POSITIVE_INFINITY);
  const upper = bounds[s.bucket] ?? Number.POSITIVE_INFINITY;
  let value = s.sumSeconds / s.count;
  // Guard against rounding pushing the mean across a bound.
  if (value > upper) value = upper;
  if (value <= lower) value = Number.isFinite(upper) ? upper : lower * (1 + Number.EPSILON) + Number.MIN_VALUE;
  for (let i = 0; i < s.count; i++) m.stepDuration.observe({ workflow: s.workflow }, value);
}
