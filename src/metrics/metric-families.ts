/**
 * The Prometheus metrics of pgqrs: names, help texts, types and labels, registered in a {@link Registry} of the
 * exporter's own (never prom-client's global one, so two exporters, or an application's own metrics, never clash).
 * Names follow Prometheus conventions: the `pgqrs_` prefix, base units (seconds), `_total` on counters, snake_case.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Default upper bounds of the step duration buckets, in seconds: from 10 ms to one hour (steps range from a quick
 * call to a long batch job).
 */
export const DEFAULT_STEP_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
]);

/** The metric objects of one exporter. */
export interface MetricFamilies {
  readonly registry: Registry;
  readonly queueMessages: Gauge<"queue" | "state">;
  readonly oldestPendingAge: Gauge<"queue">;
  readonly retrying: Gauge<"queue">;
  readonly deadLetters: Gauge<"queue">;
  readonly completed: Counter<"queue">;
  readonly deadLettered: Counter<"queue">;
  readonly workers: Gauge<"queue" | "status">;
  readonly runs: Gauge<"workflow" | "status">;
  readonly stepDuration: Histogram<"workflow">;
  readonly readDuration: Gauge;
  /** Workflows whose step duration series exist. */
  readonly stepSeries: Set<string>;
}

/** Create the metrics in a new registry; `stepBucketsSeconds` are the histogram's bucket bounds. */
export function createMetricFamilies(stepBucketsSeconds: readonly number[]): MetricFamilies {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    queueMessages: new Gauge({
      name: "pgqrs_queue_messages",
      help: "Unarchived messages by state: pending (claimable now), delayed (not visible yet), leased (held by a consumer)",
      labelNames: ["queue", "state"] as const,
      registers,
    }),
    oldestPendingAge: new Gauge({
      name: "pgqrs_queue_oldest_pending_age_seconds",
      help: "Age of the oldest pending message (since it was enqueued), 0 when none is pending",
      labelNames: ["queue"] as const,
      registers,
    }),
    retrying: new Gauge({
      name: "pgqrs_queue_retrying_messages",
      help: "Unarchived messages that failed before (an error is recorded, or they were delivered more than once)",
      labelNames: ["queue"] as const,
      registers,
    }),
    deadLetters: new Gauge({
      name: "pgqrs_queue_dead_letters",
      help: "Dead-lettered messages kept (retention deletes old ones)",
      labelNames: ["queue"] as const,
      registers,
    }),
    completed: new Counter({
      name: "pgqrs_messages_completed_total",
      help: "Messages archived (completed) by any process, counted by this exporter since it started",
      labelNames: ["queue"] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: "pgqrs_messages_dead_lettered_total",
      help: "Messages dead-lettered, counted by this exporter since it started",
      labelNames: ["queue"] as const,
      registers,
    }),
    workers: new Gauge({
      name: "pgqrs_workers",
      help: 'Worker rows by status (ready, polling, interrupted, suspended, stopped); queue="" for workers of no queue',
      labelNames: ["queue", "status"] as const,
      registers,
    }),
    runs: new Gauge({
      name: "pgqrs_workflow_runs",
      help: "Workflow runs kept by retention, by status (queued, running, paused, cancelling, success, error, cancelled)",
      labelNames: ["workflow", "status"] as const,
      registers,
    }),
    stepDuration: new Histogram({
      name: "pgqrs_workflow_step_duration_seconds",
      help: "Duration of step executions that finished (success or error), observed by this exporter since it started",
      labelNames: ["workflow"] as const,
      buckets: [...stepBucketsSeconds],
      registers,
    }),
    readDuration: new Gauge({
      name: "pgqrs_metrics_read_duration_seconds",
      help: "Time the last metrics read took in the database",
      registers,
    }),
    stepSeries: new Set(),
  };
}
