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
  RunRecord,
  StepRecord,
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
import type { RunPrimitiveOps } from "./run-primitives.js";
import type { RunOperationOps } from "./run-operations.js";
import type { RunQueryOps } from "./run-queries.js";

/** What a backend can do; the engine branches on these, never on a backend's name. */
export interface StoreCapabilities {
  /** `"postgres"` or `"sqlite"`; for display only. */
  readonly backendName: string;
  /** Several processes may share the database. */
  readonly multiProcess: boolean;
  /** Claims skip rows other claimers hold (`FOR NO KEY UPDATE SKIP LOCKED`). */
  readonly skipLocked: boolean;
  /** The backend can wake idle consumers on enqueue. */
  readonly listenNotify: boolean;
  /**
   * Each statement is a network round trip to a server (not a call into this process), so claiming ahead of the
   * handlers pays off: handler loops prefetch by default only when this is true.
   */
  readonly networkRoundTrips: boolean;
}

export interface EnqueueParams {
  queueId: number;
  /** Payloads already serialised to JSON text, in order. */
  payloads: readonly string[];
  producerWorkerId: number | null;
  enqueuedAt: Date;
  /** First visibility time (enqueuedAt + delay). */
  visibleAt: Date;
  /**
   * Insert ONE row already leased to this consumer, as its claim at `now` would have: `read_ct` 1,
   * `dequeued_at = now`, `vt = leaseEnd`, and no notification (no other consumer may take it). Used to hand a
   * message straight to an idle consumer of the same store, and only when that claim would have returned this
   * message: nothing of the queue is claimable at `now` (with `maxReadCt`) and the consumer is ready or polling.
   * Otherwise the row is a plain enqueue; the returned message's `consumerWorkerId` says which happened.
   */
  leaseTo?: { workerId: number; now: Date; leaseEnd: Date; maxReadCt: number };
}

export interface DequeueParams {
  queueId: number;
  workerId: number;
  limit: number;
  /** Lease length in milliseconds: `vt = now + leaseMs`. */
  leaseMs: number;
  now: Date;
  /** Messages with `read_ct >= maxReadCt` are never claimed. */
  maxReadCt: number;
  /**
   * A versioned workflow worker's claim: only messages whose payload has no `version` or one of these. Honoured by
   * `dequeueAndStartRuns`, and by `dequeue` of backends without `dequeueAndStartRuns` (SQLite). Absent: any.
   */
  versions?: readonly string[];
}

/** Acknowledge held messages and claim the next ones in one round trip (single-message and batch loops). */
export interface ArchiveAndDequeueParams extends DequeueParams {
  /** Held messages to archive first, owner-checked as in `archive`. */
  archiveIds: readonly number[];
}

export interface ArchiveAndDequeueResult {
  /** One result per `archiveIds` entry, as `archive` returns. */
  archived: boolean[];
  /** The newly claimed messages, as `dequeue` returns (never one of `archiveIds`). */
  messages: QueueMessage[];
}

/** Finish a run and archive its trigger message atomically. */
export interface CompleteRunAndArchiveParams extends TransitionRunParams {
  /** The run's trigger message, archived when the transition applies and this worker still holds it. */
  messageId: number;
  workerId: number;
}

/** A subscription to enqueue notifications of one queue (backends with `listenNotify`). */
export interface EnqueueListenParams {
  queueId: number;
  /** Called (synchronously, from the driver's event) when messages may have become available in the queue. */
  onNotify: () => void;
}

export interface OwnedIdsParams {
  ids: readonly number[];
  workerId: number;
  now: Date;
}

export interface ExtendParams extends OwnedIdsParams {
  /** `vt = max(vt, now) + extendMs`. */
  extendMs: number;
}

export interface ReleaseParams extends OwnedIdsParams {
  /** New visibility time (usually `now`). */
  visibleAt: Date;
  /**
   * Give the delivery back (`read_ct - 1`, not below 0): the message was not attempted and failed, it was
   * rescheduled (a workflow retry or pause), so it must not count toward `maxReadCt`. Default false.
   */
  refundDelivery?: boolean;
}

export interface ListMessagesParams extends Page {
  queueId?: number;
  /**
   * `"active"` (default): unarchived; `"archived"`; `"dead"`: dead-lettered (archived by `deadLetter`, see
   * `store/dead-letters.ts`); `"all"`.
   */
  state?: "active" | "archived" | "dead" | "all";
  consumerWorkerId?: number;
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

export interface CreateRunParams {
  message: QueueMessage;
  now: Date;
}

export interface TransitionRunParams {
  id: number;
  /** Allowed current statuses. */
  from: readonly WorkflowStatus[];
  to: WorkflowStatus;
  now: Date;
  /** Written when given (`undefined` leaves the column alone). JSON text. */
  output?: string | null;
  error?: string | null;
  /**
   * JSON text of a `RunWaitingFor`, written with a transition to PAUSED. Any transition to a status other than
   * PAUSED clears `waiting_for`.
   */
  waitingFor?: string | null;
}

export interface AcquireStepParams {
  runId: number;
  stepName: string;
  now: Date;
  /** The delivery acquiring the step (consumer id and read count of the run's message). */
  owner: string;
}

export interface FinishStepParams {
  runId: number;
  stepName: string;
  now: Date;
  /**
   * The delivery that acquired the step. When given, the write applies only while the step is RUNNING under this
   * owner; a late writer whose attempt was taken over gets CONFLICT and changes nothing.
   */
  owner?: string;
}

export interface CompleteStepParams extends FinishStepParams {
  /** JSON text. */
  output: string;
}

export interface FailStepParams extends FinishStepParams {
  /** JSON text. */
  error: string;
  /** When the step may run again; `null` = permanently failed. */
  retryAt: Date | null;
  retryCount: number;
  /**
   * The number of the execution that failed (1 = the first): when given, `{ attempt, at: now, error }` is appended
   * to the step's attempt errors by the same statement. Omitted for a pause, which is not a failure.
   */
  attempt?: number;
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

export interface ListRunsParams extends Page {
  workflowId?: number;
  status?: WorkflowStatus;
}

/**
 * Persistence operations. Implemented once per backend under `store/<backend>/`.
 * Semantics are those of `pgqrs-reference.md` as amended by `DECISIONS.md`.
 */
export interface StoreBackend extends RunPrimitiveOps, RunOperationOps, RunQueryOps {
  readonly capabilities: StoreCapabilities;

  // --- schema -----------------------------------------------------------------------------------------------
  /** Apply pending numbered migrations under a lock; idempotent and safe when two processes run it at once. */
  install(): Promise<void>;
  /** Check tables exist in the configured schema and references are intact; writes nothing. SCHEMA_VALIDATION. */
  verify(): Promise<void>;
  /** Close connections. Idempotent. */
  close(): Promise<void>;

  // --- queues -----------------------------------------------------------------------------------------------
  /** QUEUE_ALREADY_EXISTS on a duplicate name. */
  createQueue(p: { name: string; now: Date }): Promise<QueueRecord>;
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
   * (unleased, or leased with an expired lease), oldest first by (`enqueued_at`, `id`), in ONE statement:
   * `read_ct + 1`, `vt = now + lease`, `consumer_worker_id = worker`, `dequeued_at = COALESCE(dequeued_at, now)`.
   * Rows come back ordered by (`enqueued_at`, `id`).
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
  listWorkers(p: { queueId?: number; status?: WorkerStatus } & Page): Promise<WorkerRecord[]>;
  countWorkers(p: { queueId?: number; status?: WorkerStatus }): Promise<number>;
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

  // --- workflows --------------------------------------------------------------------------------------------
  /** Idempotent: creates the queue of that name if missing and the definition if missing; returns it. */
  createWorkflow(p: { name: string; now: Date }): Promise<WorkflowRecord>;
  getWorkflowByName(name: string): Promise<WorkflowRecord | null>;
  getWorkflowById(id: number): Promise<WorkflowRecord | null>;
  listWorkflows(): Promise<WorkflowRecord[]>;
  /**
   * Get the run of this message, or create it QUEUED with `input = payload`. WORKFLOW_NOT_FOUND when the message's
   * queue has no workflow definition. Safe under concurrency (unique `message_id`).
   */
  getOrCreateRun(p: CreateRunParams): Promise<RunRecord>;
  /**
   * `getOrCreateRun`, then QUEUED|PAUSED → RUNNING (`started_at` kept when set), in one round trip; a run in any
   * other status is returned unchanged, but a RUNNING one (a new delivery after a crash, a lost lease or a release)
   * is restarted too. Each start records the message's consumer as `worker_id` and adds 1 to `attempts`. The same
   * errors as `getOrCreateRun`. The row may be a snapshot older than a
   * concurrent transition (then still QUEUED or PAUSED): callers fall back to `transitionRun`.
   */
  startRun(p: CreateRunParams): Promise<RunRecord>;
  /**
   * Optional: `dequeue(p)` and `startRun` for every claimed message of a workflow queue, in one round trip (the
   * claim of a workflow worker). `run` is what `startRun` would return, or `null` when the statement could not
   * tell (no workflow for the queue, a creation racing ours): the caller then calls `startRun` itself.
   */
  dequeueAndStartRuns?(p: DequeueParams): Promise<{ message: QueueMessage; run: RunRecord | null }[]>;
  /**
   * Optional: `enqueue` of ONE payload leased as `p.leaseTo` says, and its workflow run created RUNNING
   * (`started_at = leaseTo.now`), in one round trip: a trigger handed straight to an idle workflow worker of this
   * store. `run` is `null` when the queue has no workflow; the caller then calls `startRun` itself.
   */
  enqueueAndStartRun?(
    p: EnqueueParams & { leaseTo: NonNullable<EnqueueParams["leaseTo"]> },
  ): Promise<{ message: QueueMessage; run: RunRecord | null }>;
  getRun(id: number): Promise<RunRecord | null>;
  getRunByMessageId(messageId: number): Promise<RunRecord | null>;
  /** Newest first. */
  listRuns(p: ListRunsParams): Promise<RunRecord[]>;
  countRuns(p: Omit<ListRunsParams, keyof Page>): Promise<number>;
  /**
   * Guarded update of a run's status (`updated_at = now`; `started_at` on first RUNNING; `paused_at` on PAUSED;
   * `completed_at` on SUCCESS/ERROR/CANCELLED). `null` when missing or not in `from`.
   */
  transitionRun(p: TransitionRunParams): Promise<RunRecord | null>;
  /**
   * `transitionRun` and, when it applies, `archive([messageId])` for `workerId`, in one transaction. `run` is
   * `null` (and nothing is archived) when the run is missing or not in `from`.
   */
  completeRunAndArchive(p: CompleteRunAndArchiveParams): Promise<{ run: RunRecord | null; archived: boolean }>;
  /**
   * Atomic upsert of step `(runId, stepName)`:
   * absent → insert RUNNING (`retry_count 0`, `started_at now`); SUCCESS → unchanged; ERROR with
   * `retry_at <= now` → RUNNING with `retry_at`/`error` cleared (`retry_count` kept); other ERROR → unchanged;
   * RUNNING held by another `owner` (a crashed or expired delivery) → RUNNING with `started_at = now`; RUNNING held
   * by the same owner → unchanged (the retry race). The row records `attempt_owner = owner` when acquired. Returns
   * the row after the statement and whether this call moved it to RUNNING (`acquired`).
   */
  acquireStep(p: AcquireStepParams): Promise<{ step: StepRecord; acquired: boolean }>;
  /**
   * `acquireStep` guarded by the run's status, in one round trip: `runStatus` is the run's status (`null` when the
   * run does not exist), and nothing is acquired when it is CANCELLING or CANCELLED (then `step` is the existing row
   * or `null`). Otherwise as `acquireStep`.
   */
  acquireStepOfRun(
    p: AcquireStepParams,
  ): Promise<{ runStatus: WorkflowStatus | null; step: StepRecord | null; acquired: boolean }>;
  /**
   * Optional one-round-trip form of `completeStep(complete)` followed by `acquireStepOfRun(acquire)`, in one
   * transaction (the engine makes the two calls itself when a backend lacks it). The completion is fenced by its
   * owner; when it does not apply (`completed: false`) nothing is acquired and the other fields describe nothing.
   */
  completeStepThenAcquire?(p: {
    complete: CompleteStepParams & { owner: string };
    acquire: AcquireStepParams;
  }): Promise<{ completed: boolean; runStatus: WorkflowStatus | null; step: StepRecord | null; acquired: boolean }>;
  /**
   * Optional one-round-trip form of `completeStep(complete)` followed by `completeRunAndArchive(run)`, in one
   * transaction; the run is finished only when the fenced step completion applied (`completed`).
   */
  completeStepThenRunAndArchive?(p: {
    complete: CompleteStepParams & { owner: string };
    run: CompleteRunAndArchiveParams;
  }): Promise<{ completed: boolean; run: RunRecord | null; archived: boolean }>;
  /** SUCCESS with output, `completed_at = now`. */
  completeStep(p: CompleteStepParams): Promise<StepRecord>;
  /** ERROR with error, retry_at, retry_count, `completed_at = now`. */
  failStep(p: FailStepParams): Promise<StepRecord>;
  getStep(p: { runId: number; stepName: string }): Promise<StepRecord | null>;
  /** In creation order. */
  listSteps(p: { runId: number }): Promise<StepRecord[]>;

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
