/** The Store contract's paged reads for dashboards: one statement each, rows bounded by the caller's page. */
import type { QueueRecord, WorkflowRecord, WorkflowStatus } from "../types.js";
import type {
  CompletedMinute,
  CompletedPerMinuteParams,
  MetricsTotals,
  QueueMetricsPage,
  QueueMetricsPageParams,
  SearchPageParams,
  WorkerActivity,
} from "./page-reads.js";

export interface DashboardReadStoreOps {
  /**
   * Metrics of one page of queues, most pending first (then most unarchived, then by name and id), and how many
   * queues match `search`. One statement, whatever the number of queues.
   */
  queueMetricsPage(p: QueueMetricsPageParams): Promise<QueueMetricsPage>;
  /** Message counts summed over every queue, with the number of queues and workflow definitions. One statement. */
  metricsTotals(p: { now: Date; maxReadCt: number }): Promise<MetricsTotals>;
  /**
   * Messages archived without being dead-lettered at or after `since`, per minute: summed over every queue, or,
   * with `queueIds`, per queue of those. One statement.
   */
  completedPerMinute(p: CompletedPerMinuteParams): Promise<CompletedMinute[]>;
  /** The queues of these ids (missing ids skipped), by id. */
  getQueuesByIds(ids: readonly number[]): Promise<QueueRecord[]>;
  /** One page of workflow definitions by name, filtered like `queueMetricsPage`, and how many match. */
  listWorkflowsPage(p: SearchPageParams): Promise<{ rows: WorkflowRecord[]; matching: number }>;
  /** The workflow definitions of these ids (missing ids skipped), by id. */
  getWorkflowsByIds(ids: readonly number[]): Promise<WorkflowRecord[]>;
  /** Runs per status (optionally of one workflow) in one statement; every status is present. */
  countRunsByStatus(p: { workflowId?: number }): Promise<Record<WorkflowStatus, number>>;
  /** How many workers `listZombies({ olderThan })` would list. */
  countZombies(p: { olderThan: Date }): Promise<number>;
  /** For each of these workers: unarchived messages it holds, and whether `listZombies` would list it. */
  workerActivity(p: { workerIds: readonly number[]; olderThan: Date }): Promise<WorkerActivity[]>;
}
