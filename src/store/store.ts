/**
 * The Store contract: the only seam between the engine and persistence.
 *
 * Every operation takes one params object and returns typed rows. Times are always supplied by the caller
 * (`now`, from the injectable clock) so that leases, delays and retries are deterministic in tests; a backend
 * never reads its own clock for domain decisions. Hot operations are one round trip; multi-statement changes run
 * in one transaction inside the backend. Driver errors are translated into {@link PgqrsError} codes by SQLSTATE or
 * SQLite error code, never by message text.
 */
import type {
  Page,
  QueueMessage,
  QueueMetrics,
  QueueRecord,
  SystemStats,
  WorkerHealthStats,
  WorkerRecord,
  WorkerStatus,
  WorkflowRecord,
  WorkflowStatus,
} from "../types.js";
import type {
  CompletedMinute,
  CompletedPerMinuteParams,
  MetricsTotals,
  QueueMetricsPage,
  QueueMetricsPageParams,
  SearchPageParams,
  WorkerActivity,
} from "./page-reads.js";
import type { QueueSettingsOptions } from "../queue-controls-types.js";
import type {
  ArchiveAndDequeueParams,
  ArchiveAndDequeueResult,
  DequeueParams,
  EnqueueListenParams,
  EnqueueParams,
  ExtendParams,
  ListMessagesParams,
  OwnedIdsParams,
  ReleaseParams,
} from "./message-params.js";
import type { WorkflowStoreOps } from "./workflow-store.js";
import type { RunPrimitiveOps } from "./run-primitives.js";
import type { RunOperationOps } from "./run-operations.js";
import type { RunQueryOps } from "./run-queries.js";
import type { RetentionStoreOps } from "./retention-store.js";
import type { ScheduleStoreOps } from "./schedule-store.js";
import type { MetricsStoreOps } from "./metrics-store.js";
import type { WorkerFilter } from "./worker-filter.js";

/** What a backend can do; the engine branches on these, never on a backend's name. */
export interface StoreCapabilities {
  /** The backend's kind (`"postgres"`, `"sqlite"`, `"turso"`, …); for display only. */
  readonly backendName: string;
  /**
   * How many processes may open one database at a time: `"many"` (PostgreSQL; SQLite, whose processes take turns
   * on the write lock) or `"one"` (Turso locks its file). Crash recovery by another process, `pgqrs demo --crash`
   * and workers in several processes need `"many"`.
   */
  readonly processesPerDatabase: "one" | "many";
  /** The backend can wake idle consumers on enqueue (`listen`). */
  readonly listenNotify: boolean;
  /**
   * Each statement is a network round trip to a server (not a call into this process), so claiming ahead of the
   * handlers pays off: handler loops prefetch by default only when this is true.
   */
  readonly networkRoundTrips: boolean;
}

/**
 * A worker of this package. It heartbeats in the background (also while its handlers run), and its row says so
 * (`background_heartbeat_since = started_at`): only such workers are ever reclaimed as zombies.
 */
export interface RegisterWorkerParams {
  name: string;
  queueId: number | null;
  now: Date;
}

export interface TransitionWorkerParams {
  id: number;
  /** Allowed current statuses; the update is guarded by them. */
  from: readonly WorkerStatus[];
  to: WorkerStatus;
  now: Date;
}

/** What `deadLetter` did. */
export interface DeadLetterResult {
  /** The dead-lettered messages, ascending. */
  ids: number[];
  /** The workflow runs of those messages that it failed, ascending. */
  failedRuns: number[];
}

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

/**
 * Persistence operations. Implemented once per backend under `store/<backend>/`.
 * Semantics are those of `pgqrs-reference.md` as amended by `DECISIONS.md`.
 */
export interface StoreBackend
  extends WorkflowStoreOps,
    RunPrimitiveOps,
    RunOperationOps,
    RunQueryOps,
    RetentionStoreOps,
    ScheduleStoreOps,
    MetricsStoreOps {
  readonly capabilities: StoreCapabilities;

  // --- schema -----------------------------------------------------------------------------------------------
  /** Apply pending numbered migrations under a lock; idempotent and safe when two processes run it at once. */
  install(): Promise<void>;
  /** Check tables exist in the configured schema and references are intact; writes nothing. SCHEMA_VALIDATION. */
  verify(): Promise<void>;
  /** Close connections. Idempotent. */
  close(): Promise<void>;

  // --- queues -----------------------------------------------------------------------------------------------
  /**
   * Insert the queue and its settings (when any is given) in one transaction. QUEUE_ALREADY_EXISTS on a duplicate
   * name, unless `ifNotExists`: then the existing queue is returned, settings unchanged (race-free: two processes
   * creating one name both get the one row).
   */
  createQueue(p: {
    name: string;
    now: Date;
    settings?: QueueSettingsOptions;
    ifNotExists?: boolean;
  }): Promise<QueueRecord>;
  /**
   * Change a queue's settings (a field left out keeps its value, `null` clears it); returns the queue with its new
   * settings, `null` when the queue does not exist. Settings are already validated by the engine.
   */
  updateQueueSettings(p: { queueId: number; settings: QueueSettingsOptions; now: Date }): Promise<QueueRecord | null>;
  getQueueByName(name: string): Promise<QueueRecord | null>;
  getQueueById(id: number): Promise<QueueRecord | null>;
  listQueues(): Promise<QueueRecord[]>;
  /**
   * Delete a queue with its stopped workers, workflow definition, runs and steps, in one transaction.
   * VALIDATION_FAILED when non-stopped workers are assigned (`… <k> worker(s) are still assigned …`) or any
   * message row exists (`… <k> references exist in messages table. Purge data first.`).
   */
  deleteQueue(p: { queueId: number; queueName: string }): Promise<void>;
  /** Delete every message of the queue (with their runs and steps) and every worker of the queue; one transaction. */
  purgeQueue(p: { queueId: number }): Promise<void>;

  // --- messages ---------------------------------------------------------------------------------------------
  /** One multi-row insert; rows come back in payload order. */
  enqueue(p: EnqueueParams): Promise<QueueMessage[]>;
  /**
   * Claim up to `limit` messages of the queue with `archived_at IS NULL AND vt <= now AND read_ct < maxReadCt`
   * (unleased, or leased with an expired lease), highest `priority` first, then oldest first by (`enqueued_at`,
   * `id`), in ONE statement: `read_ct + 1`, `vt = now + lease`, `consumer_worker_id = worker`,
   * `dequeued_at = COALESCE(dequeued_at, now)`. A message with a `group_key` is claimable only while no unarchived
   * message of its queue and group has a smaller id (the group's head; so one at a time, in enqueue order). Rows
   * come back in claim order (`priority` descending, `enqueued_at`, `id`). See `DequeueParams.limited`.
   */
  dequeue(p: DequeueParams): Promise<QueueMessage[]>;
  /** Per-id: set `archived_at = now` where owned by the worker and not archived. */
  archive(p: OwnedIdsParams): Promise<boolean[]>;
  /**
   * `archive(archiveIds)` then `dequeue(…)` in one round trip and one transaction (both apply or neither); the
   * claim never returns one of `archiveIds`. `archiveIds` may be empty (a plain claim) and `limit` may be 0 (a
   * plain archive).
   */
  archiveAndDequeue(p: ArchiveAndDequeueParams): Promise<ArchiveAndDequeueResult>;
  /** Per-id: delete rows owned by the worker and not archived. */
  deleteOwned(p: OwnedIdsParams): Promise<boolean[]>;
  /** Per-id: extend owned, unarchived leases. */
  extendVisibility(p: ExtendParams): Promise<boolean[]>;
  /** Per-id: owned, unarchived → `consumer_worker_id = NULL, vt = visibleAt` (`read_ct` unchanged). */
  release(p: ReleaseParams): Promise<boolean[]>;
  /** Release every unarchived message held by the worker; returns the count. */
  releaseWorkerMessages(p: { workerId: number; now: Date }): Promise<number>;
  /** Delete rows unconditionally (admin); per-id result. Runs and steps of those messages go with them. */
  deleteMessages(p: { ids: readonly number[] }): Promise<boolean[]>;
  getMessage(id: number): Promise<QueueMessage | null>;
  /** Ordered by id. Missing ids are skipped. */
  getMessages(ids: readonly number[]): Promise<QueueMessage[]>;
  /** Newest first (`enqueued_at DESC, id DESC`); archived ones by `archived_at DESC`. */
  listMessages(p: ListMessagesParams): Promise<QueueMessage[]>;
  countMessages(p: Omit<ListMessagesParams, keyof Page>): Promise<number>;
  /**
   * Dead-letter the unarchived messages of the queue (of every queue without `queueId`) with `read_ct >= maxReadCt`
   * that are not under a live lease: `archived_at = now, dead_lettered_at = now`. In the same transaction, the
   * workflow runs of those messages that are not finished (QUEUED, RUNNING, PAUSED, CANCELLING) become ERROR with
   * `{"code": "DEAD_LETTERED", "message": …}`: their message will not be delivered again. Returns the message ids
   * and the failed run ids, each ascending. One statement or one transaction: both apply or neither.
   */
  deadLetter(p: { queueId?: number; maxReadCt: number; now: Date }): Promise<DeadLetterResult>;
  /**
   * Put a dead-lettered message of that queue back: `archived_at = NULL, dead_lettered_at = NULL, read_ct = 0,
   * vt = now, enqueued_at = now, consumer_worker_id = NULL, dequeued_at = NULL`. `null` when it is not a
   * dead-lettered message of that queue (dead: `archived_at` set and equal to `dead_lettered_at`; a message pgqrs
   * replayed is not).
   */
  replayDeadLetter(p: { queueId: number; id: number; now: Date }): Promise<QueueMessage | null>;

  /**
   * Wake-up on enqueue (only when `capabilities.listenNotify`): `onNotify` is called soon after messages of the
   * queue are inserted through another backend instance (another process, or another store in this one). Inserts
   * through this instance are not reported: the engine wakes its own consumers in-process when they commit. A hint
   * only: it may be late, spurious or lost while the listening connection reconnects, so callers keep polling.
   * Resolves with the function that ends the subscription.
   */
  listen?(p: EnqueueListenParams): Promise<() => Promise<void>>;

  // --- workers ----------------------------------------------------------------------------------------------
  /**
   * Atomic: insert a `ready` worker, or reset a `stopped` one of that name (new queue, `started_at`,
   * `heartbeat_at`, `shutdown_at = NULL`). VALIDATION_FAILED `Worker <name> is already active. Cannot register
   * duplicate.` for ready/polling/interrupted, `Worker <name> is suspended. Use resume() to reactivate.` for suspended.
   */
  registerWorker(p: RegisterWorkerParams): Promise<WorkerRecord>;
  /** Guarded update; `null` when the row is missing or not in `from`. Sets `shutdown_at = now` when `to` is stopped. */
  transitionWorker(p: TransitionWorkerParams): Promise<WorkerRecord | null>;
  /** `heartbeat_at = now`; false when the row is gone. */
  heartbeat(p: { id: number; now: Date }): Promise<boolean>;
  /** Heartbeat many workers in one statement (a stopped one keeps its heartbeat); returns the ids that still exist. */
  heartbeatMany(p: { ids: readonly number[]; now: Date }): Promise<number[]>;
  getWorker(id: number): Promise<WorkerRecord | null>;
  getWorkerByName(name: string): Promise<WorkerRecord | null>;
  /** Newest first (`started_at DESC, id DESC`). */
  listWorkers(p: WorkerFilter & Page): Promise<WorkerRecord[]>;
  countWorkers(p: WorkerFilter): Promise<number>;
  /** Messages (any state) whose producer or consumer is this worker. */
  countWorkerReferences(id: number): Promise<number>;
  /** Unarchived messages leased to this worker in its queue. */
  countHeldMessages(p: { workerId: number }): Promise<number>;
  /** Counts over one queue's workers and the messages they hold, in one statement. */
  queueWorkerCounts(p: { queueId: number }): Promise<QueueWorkerCounts>;
  /** VALIDATION_FAILED `Worker has <k> references (associated messages/archives)` when referenced; else rows deleted. */
  deleteWorker(id: number): Promise<number>;
  /**
   * Non-stopped workers (optionally of one queue) registered by `registerWorker` (so heartbeating in the
   * background: `background_heartbeat_since = started_at`) with `heartbeat_at < olderThan`, oldest heartbeat first.
   * Workers pgqrs (Rust/Python) registered are never zombies: they beat only while idle.
   */
  listZombies(p: { queueId?: number; olderThan: Date }): Promise<WorkerRecord[]>;
  /**
   * One transaction: for each zombie of the queue (as `listZombies`), release its unarchived messages
   * (`vt = now`, consumer NULL) and mark it stopped. Returns `{ released, workers }`.
   */
  reclaimZombies(p: { queueId?: number; olderThan: Date; now: Date }): Promise<{ released: number; workers: number[] }>;
  /** Delete stopped workers with `heartbeat_at < olderThan` that no message references. */
  purgeOldWorkers(p: { olderThan: Date }): Promise<number>;

  // --- stats ------------------------------------------------------------------------------------------------
  /** One row per queue (empty queues included), by name; or only the given queue. */
  queueMetrics(p: { queueId?: number; now: Date; maxReadCt: number }): Promise<QueueMetrics[]>;
  systemStats(p: { now: Date; maxReadCt: number }): Promise<SystemStats>;
  workerHealthStats(p: { staleBefore: Date; groupByQueue: boolean }): Promise<WorkerHealthStats[]>;

  // --- paged reads (dashboards): one statement each, rows returned bounded by the caller's page ---------------
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

export type {
  CompletedMinute,
  CompletedPerMinuteParams,
  MetricsTotals,
  QueueMetricsPage,
  QueueMetricsPageParams,
  SearchPageParams,
  WorkerActivity,
} from "./page-reads.js";
export type {
  CompleteRunAndArchiveParams,
  CreateRunParams,
  TransitionRunParams,
  AcquireStepParams,
  FinishStepParams,
  CompleteStepParams,
  FailStepParams,
  ListRunsParams,
} from "./workflow-store.js";
export type {
  ArchiveAndDequeueParams,
  ArchiveAndDequeueResult,
  DequeueParams,
  EnqueueListenParams,
  EnqueueParams,
  ExtendParams,
  ListMessagesParams,
  OwnedIdsParams,
  ReleaseParams,
} from "./message-params.js";
