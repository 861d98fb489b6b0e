/**
 * The metrics part of the Store contract (issue 19): one snapshot of what a Prometheus scrape reports, read in a
 * few statements whatever the number of queues, workers or runs.
 *
 * Gauges are read as they are now. Counts over the window `(after, upTo]` (completions, dead-letterings, finished
 * steps) let the caller keep monotonic counters across scrapes although retention deletes old rows: each scrape
 * reads only what happened since the previous one, long before retention can delete it.
 */
import type { WorkerStatus, WorkflowStatus } from "../types.js";

/** What {@link MetricsStoreOps.metricsSnapshot} reads. */
export interface MetricsSnapshotParams {
  /** The caller's clock: `pending` means visible at `now` (see `QueueMetrics`). */
  now: Date;
  /** Messages with `read_ct >= maxReadCt` are no longer pending (they wait for the dead-letter sweep). */
  maxReadCt: number;
  /** Start of the counted window, exclusive. */
  after: Date;
  /** End of the counted window, inclusive; may equal `after` (an empty window). */
  upTo: Date;
  /** Upper bounds of the step duration buckets, in seconds, ascending; a last implicit bucket is `+Inf`. */
  stepBucketsSeconds: readonly number[];
  /**
   * Finished steps are looked for among this many newest step rows (a step's row is created when it first
   * starts), which bounds the read; a step that started before the newest `stepRowsScanned` others is missed.
   */
  stepRowsScanned: number;
}

/** One queue's messages. */
export interface QueueMetricsSample {
  queue: string;
  /** Visible, unleased (or with an expired lease) and below `maxReadCt`: what a claim can take now. */
  pending: number;
  /** Unleased and not visible yet (delayed, or waiting for a retry's backoff). */
  delayed: number;
  /** Held under a live lease. */
  leased: number;
  /** Unarchived messages that failed before: an error is recorded (`last_error`) or they were delivered twice or more. */
  retrying: number;
  /** Dead letters kept (retention deletes old ones). */
  deadLetters: number;
  /** `enqueued_at` of the oldest pending message; `null` with none. */
  oldestPendingAt: Date | null;
  /** Messages archived in the window, dead letters excluded. */
  completedInWindow: number;
  /** Messages dead-lettered in the window. */
  deadLetteredInWindow: number;
}

/** Workers of one queue (`null`: workers of no queue, such as admin workers) in one status. */
export interface WorkerStatusSample {
  queue: string | null;
  status: WorkerStatus;
  count: number;
}

/** Runs of one workflow definition in one status (runs that retention keeps). */
export interface RunStatusSample {
  workflow: string;
  status: WorkflowStatus;
  count: number;
}

/** Executions of one workflow's steps that finished (SUCCESS or ERROR) in the window, in one duration bucket. */
export interface StepDurationSample {
  workflow: string;
  /** Index into `stepBucketsSeconds` of the smallest bound `>=` the duration; `stepBucketsSeconds.length`: `+Inf`. */
  bucket: number;
  count: number;
  /** Sum of their durations, seconds. */
  sumSeconds: number;
}

/** Everything one scrape reports. Rows are ordered by their labels. */
export interface MetricsSnapshot {
  /** Every queue, also empty ones. */
  queues: QueueMetricsSample[];
  /** Only statuses with at least one worker. */
  workers: WorkerStatusSample[];
  /** Only statuses with at least one run. */
  runs: RunStatusSample[];
  /** Every workflow definition, for series that exist from the first scrape. */
  workflows: string[];
  stepDurations: StepDurationSample[];
}

export interface MetricsStoreOps {
  /** The snapshot of one scrape, in a few statements (each bounded by an index or by `stepRowsScanned`). */
  metricsSnapshot(p: MetricsSnapshotParams): Promise<MetricsSnapshot>;
}
