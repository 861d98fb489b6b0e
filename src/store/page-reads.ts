/** Parameters and rows of the paged and aggregate reads the dashboard uses (part of the Store contract). */
import type { QueueMetrics } from "../types.js";

/** A page of a name-ordered listing with an optional search. */
export interface SearchPageParams {
  /** Case-insensitive substring of the name (ASCII case folding on SQLite); every row when absent or empty. */
  search?: string;
  /** Rows to return. */
  limit: number;
  /** Rows to skip. */
  offset: number;
}

export interface QueueMetricsPageParams extends SearchPageParams {
  now: Date;
  maxReadCt: number;
}

export interface QueueMetricsPage {
  rows: QueueMetrics[];
  /** Queues matching the search (all queues without one). */
  matching: number;
}

/** Counts over every queue, as the fields of `QueueMetrics` of the same names. */
export interface MetricsTotals {
  queues: number;
  workflows: number;
  activeMessages: number;
  pendingMessages: number;
  delayedMessages: number;
  leasedMessages: number;
  archivedMessages: number;
  deadLetteredMessages: number;
}

export interface CompletedPerMinuteParams {
  /** Count from this time on (inclusive). */
  since: Date;
  /** Per queue of these ids; summed over every queue when absent. */
  queueIds?: readonly number[];
}

export interface CompletedMinute {
  /** The queue, or `null` for the sum over every queue. */
  queueId: number | null;
  /** Minute number: `floor(epoch milliseconds / 60000)` of `archived_at`. */
  minute: number;
  count: number;
}

export interface WorkerActivity {
  workerId: number;
  /** Unarchived messages whose `consumer_worker_id` is this worker. */
  heldMessages: number;
  zombie: boolean;
}
