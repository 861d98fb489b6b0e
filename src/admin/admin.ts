import { assertName, queueNotFound, type Store } from "../api/pgqrs-store.js";
import { InvalidStateTransitionError, PgqrsError } from "../errors.js";
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
  WorkerStats,
  WorkerStatus,
} from "../types.js";
import type { CreateQueueOptions, QueueSettingsOptions } from "../queue-controls-types.js";
import { maxAttemptsOf } from "../queue/retry-backoff.js";
import { assertQueueSettings } from "../validation/queue-settings.js";
import type { WorkerHandle } from "../workers/worker-handle.js";
import { WORKER_TRANSITIONS, type WorkerOperation } from "../workers/worker-transitions.js";
import { defaultZombieThresholdMs } from "../workers/zombie-reclaim.js";
import { assertId, assertIds, assertOneOf, assertPage } from "../validation/arguments.js";
import { assertMilliseconds, cutoffBefore } from "../validation/time-arguments.js";
import { childRuns, getRunRecord, runEvents, runMessages } from "./run-inspection.js";
import { adminForkRun, adminResumeRun, adminRetryRun, type ForkRunOptions } from "./run-operations.js";
import { computeWorkerStats } from "./worker-stats.js";
import { type ListRunsOptions, listRuns, listSteps, type RunPage } from "./run-queries.js";
import type { RunEventRecord, RunMessageRecord } from "../store/run-primitives.js";
import type { CreateScheduleOptions, UpdateSchedulePatch } from "../schedules/schedule-options.js";
import type { ScheduleRecord, ScheduleTickRecord } from "../store/schedule-store.js";
import * as schedules from "./schedules.js";
import type { RetentionOptions, RetentionPolicy } from "../retention/retention-policy.js";
import { applyRetentionSetting } from "../retention/retention-setting.js";
import type { RetentionSweepResult } from "../retention/retention-sweep.js";
import {
  getRetention,
  type PurgeArchivedOptions,
  purgeArchived,
  resetRetention,
  type RetentionCounts,
  type RunRetentionOptions,
  runRetention,
  setRetention,
} from "./retention.js";

/** A queue named, or given as its record. */
export type QueueRef = string | QueueRecord;

/**
 * Administration of one store: schema, queues, workers, dead letters and statistics.
 * Reads register no worker rows.
 */
export class Admin {
  readonly #store: Store;
  readonly #worker: Promise<WorkerHandle> | undefined;

  /** `worker`: the named admin worker this admin acts as (see {@link name}); none for `pgqrs.admin(store)`. */
  constructor(store: Store, worker?: Promise<WorkerHandle>) {
    this.#store = store;
    this.#worker = worker;
    // A registration that fails surfaces at the first worker call, not as an unhandled rejection.
    worker?.catch(() => undefined);
  }

  /**
   * An admin acting as a named worker (pgqrs's `admin(&store).name(..)`): its row has no queue (`queue_id` NULL)
   * and starts `ready`. Registration follows the worker rules (a live worker of that name is refused); its errors
   * surface at the first worker call ({@link workerId}, {@link status}, ...). Admin operations work either way.
   */
  name(workerName: string): Admin {
    return new Admin(this.#store, this.#store.registerAdminWorker(workerName));
  }

  async #handle(): Promise<WorkerHandle> {
    if (this.#worker === undefined) {
      throw new PgqrsError(
        "VALIDATION_FAILED",
        "Validation failed: this admin acts as no worker; use pgqrs.admin(store).name(name) or store.admin(name)",
      );
    }
    return this.#worker;
  }

  /** The admin worker's id. VALIDATION_FAILED for an admin without a worker. */
  async workerId(): Promise<number> {
    return (await this.#handle()).id;
  }

  /** The admin worker's row as last read or written. */
  async workerRecord(): Promise<WorkerRecord> {
    return (await this.#handle()).record;
  }

  async status(): Promise<WorkerStatus> {
    return (await this.#handle()).status();
  }

  async suspend(): Promise<void> {
    await (await this.#handle()).suspend();
  }

  async resume(): Promise<void> {
    await (await this.#handle()).resume();
  }

  async shutdown(): Promise<void> {
    await (await this.#handle()).shutdown();
  }

  async heartbeat(): Promise<void> {
    await (await this.#handle()).heartbeat();
  }

  /** True when the admin worker heartbeated within `maxAgeMs` milliseconds. */
  async isHealthy(maxAgeMs: number): Promise<boolean> {
    assertMilliseconds("maxAgeMs", maxAgeMs);
    return (await this.#handle()).isHealthy(maxAgeMs);
  }

  get store(): Store {
    return this.#store;
  }

  get #backend() {
    this.#store.context.assertOpen();
    return this.#store.context.backend;
  }

  #now(): Date {
    return this.#store.clock.now();
  }

  /** Apply pending migrations (creates the Postgres schema if missing). Idempotent; safe from two processes. */
  async install(): Promise<void> {
    await this.#backend.install();
  }

  /** pgqrs's name for {@link install}. */
  async bootstrap(): Promise<void> {
    await this.install();
  }

  /** Check the schema is installed and intact. SCHEMA_VALIDATION otherwise; writes nothing. */
  async verify(): Promise<void> {
    await this.#backend.verify();
  }

  /**
   * Create a queue with its settings (retry policy, concurrency limit, rate limit; see {@link CreateQueueOptions}).
   * QUEUE_ALREADY_EXISTS when the name is taken, unless `ifNotExists: true` (then the existing queue, its settings
   * unchanged). VALIDATION_FAILED naming the field for a bad setting, nothing written.
   */
  async createQueue(name: string, options?: CreateQueueOptions): Promise<QueueRecord> {
    return this.#store.queue(name, options);
  }

  /**
   * Change a queue's settings: a field left out keeps its value, `null` clears it (retry back to the defaults, no
   * limit). Loops of other processes pick the change up within their maintenance period (a few seconds); until
   * then a limit just set makes their claims take nothing, never more than the limit. QUEUE_NOT_FOUND,
   * VALIDATION_FAILED naming the field (nothing written).
   */
  async updateQueue(queue: QueueRef, settings: QueueSettingsOptions): Promise<QueueRecord> {
    const checked = assertQueueSettings(settings);
    const q = await this.#resolve(queue);
    const now = this.#now();
    // Retention alone changes no setting: no write to the settings row.
    const updated =
      Object.keys(checked).length === 0 && settings.retention !== undefined
        ? q
        : await this.#backend.updateQueueSettings({ queueId: q.id, settings: checked, now });
    if (updated === null) throw queueNotFound(q.queueName);
    if (settings.retention !== undefined) await applyRetentionSetting(this.#backend, q.id, settings.retention, now);
    return updated;
  }

  /** QUEUE_NOT_FOUND when missing. */
  async getQueue(name: string): Promise<QueueRecord> {
    return this.#store.getQueue(name);
  }

  async listQueues(): Promise<QueueRecord[]> {
    return this.#backend.listQueues();
  }

  /**
   * Delete an empty queue (with its workflow definition, if any). Refused (VALIDATION_FAILED) while live workers
   * are assigned or messages exist: purge first.
   */
  async deleteQueue(queue: QueueRef): Promise<void> {
    const q = await this.#resolve(queue);
    await this.#backend.deleteQueue({ queueId: q.id, queueName: q.queueName });
    // Deleting a queue deletes the workflow it serves, and its stopped workers (this store's ephemeral ones too).
    this.#store.markWorkflow(q.queueName, false);
    this.#store.forgetEphemeralWorkers(q.queueName);
  }

  async deleteQueueByName(name: string): Promise<void> {
    await this.deleteQueue(name);
  }

  /** Delete every message of the queue (with workflow runs and steps) and its workers, in one transaction. */
  async purgeQueue(queue: QueueRef): Promise<void> {
    const q = await this.#resolve(queue);
    await this.#backend.purgeQueue({ queueId: q.id });
    this.#store.forgetEphemeralWorkers(q.queueName);
  }

  async listWorkers(params: { queue?: QueueRef } & Page = {}): Promise<WorkerRecord[]> {
    const { queue, ...page } = params;
    assertPage(page);
    if (queue === undefined) return this.#backend.listWorkers(page);
    const q = await this.#resolve(queue);
    return this.#backend.listWorkers({ ...page, queueId: q.id });
  }

  /** Delete a worker row; refused (VALIDATION_FAILED) while messages reference it. Returns rows deleted. */
  async deleteWorker(id: number): Promise<number> {
    assertId("id", id);
    return this.#backend.deleteWorker(id);
  }

  /**
   * One page of the messages (any state) this worker consumed, newest first (`enqueued_at`, then id, descending).
   * `limit` defaults to 100 and `offset` to 0: ask for the next page with `offset + limit` until a page comes back
   * shorter than `limit`. WORKER_NOT_FOUND when the worker is missing; VALIDATION_FAILED for an admin worker.
   */
  async getWorkerMessages(id: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("id", id);
    assertPage(page);
    const w = await this.#backend.getWorker(id);
    if (w === null) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${id}' not found`);
    if (w.queueId === null)
      throw new PgqrsError("VALIDATION_FAILED", "Validation failed: Cannot get messages for admin worker");
    return this.#backend.listMessages({ ...page, consumerWorkerId: id, state: "all" });
  }

  /** How many unarchived messages the worker holds (leased to it), counted in one statement. WORKER_NOT_FOUND when missing. */
  async countWorkerMessages(id: number): Promise<number> {
    assertId("id", id);
    const w = await this.#backend.getWorker(id);
    if (w === null) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${id}' not found`);
    return this.#backend.countHeldMessages({ workerId: id });
  }

  /** Release every unarchived message held by the worker (visible now). Returns the count. */
  async releaseWorkerMessages(id: number): Promise<number> {
    assertId("id", id);
    return this.#backend.releaseWorkerMessages({ workerId: id, now: this.#now() });
  }

  /** The default zombie threshold: six heartbeat periods (30 s with the default 5 s heartbeat), at least 1 s. */
  defaultZombieThresholdMs(): number {
    return defaultZombieThresholdMs(this.#store.context);
  }

  /**
   * Live workers (optionally of one queue) whose heartbeat is older than the threshold. Only workers of this
   * package count: they heartbeat in the background. A pgqrs (Rust/Python) worker beats only while idle, so it is
   * never listed; its messages come back when their leases expire.
   */
  async listZombies(params: { queue?: QueueRef; olderThanMs?: number } = {}): Promise<WorkerRecord[]> {
    const olderThan = cutoffBefore(
      this.#now(),
      assertMilliseconds("olderThanMs", params.olderThanMs ?? this.defaultZombieThresholdMs()),
    );
    if (params.queue === undefined) return this.#backend.listZombies({ olderThan });
    const q = await this.#resolve(params.queue);
    return this.#backend.listZombies({ queueId: q.id, olderThan });
  }

  /**
   * Release the messages of the queue's zombie workers (heartbeat older than `olderThanMs`, default
   * {@link defaultZombieThresholdMs}; workers of this package only, as {@link listZombies}) and mark them stopped.
   * Returns how many messages were released.
   */
  async reclaimMessages(queue: QueueRef | number, olderThanMs?: number): Promise<number> {
    const age = assertMilliseconds("olderThanMs", olderThanMs ?? this.defaultZombieThresholdMs());
    const q = typeof queue === "number" ? await this.#resolveId(assertId("queue", queue)) : await this.#resolve(queue);
    const olderThan = cutoffBefore(this.#now(), age);
    const { released } = await this.#backend.reclaimZombies({ queueId: q.id, olderThan, now: this.#now() });
    return released;
  }

  /** Delete stopped workers whose last heartbeat is older than `olderThanMs` and that no message references. */
  async purgeOldWorkers(olderThanMs: number): Promise<number> {
    assertMilliseconds("olderThanMs", olderThanMs);
    return this.#backend.purgeOldWorkers({ olderThan: cutoffBefore(this.#now(), olderThanMs) });
  }

  /**
   * Dead-letter the queue's messages that reached `maxReadCt` and are not under a live lease; without a queue,
   * every queue's (pgqrs's `dlq()`). Returns their ids, ascending. A dead-lettered workflow message will not be
   * delivered again, so its unfinished run fails (ERROR, `code: "DEAD_LETTERED"`) in the same transaction; a replay
   * of the message does not revive the run (trigger it again instead).
   */
  async dlq(queue?: QueueRef): Promise<number[]> {
    const q = queue === undefined ? undefined : await this.#resolve(queue);
    const { ids } = await this.#backend.deadLetter({
      ...(q === undefined ? {} : { queueId: q.id }),
      maxReadCt: q === undefined ? this.#store.config.maxReadCt : maxAttemptsOf(q, this.#store.config.maxReadCt),
      now: this.#now(),
    });
    return ids;
  }

  /** The queue's dead-lettered messages, most recent first. */
  async listDlq(queue: QueueRef, page: Page = {}): Promise<QueueMessage[]> {
    assertPage(page);
    const q = await this.#resolve(queue);
    return this.#backend.listMessages({ ...page, queueId: q.id, state: "dead" });
  }

  /** Put a dead-lettered message of the queue back (read count 0, visible now); `null` if it is not one. */
  async replayDlq(queue: QueueRef, id: number): Promise<QueueMessage | null> {
    assertId("id", id);
    const q = await this.#resolve(queue);
    return this.#backend.replayDeadLetter({ queueId: q.id, id, now: this.#now() });
  }

  async queueMetrics(queue: QueueRef): Promise<QueueMetrics> {
    const q = await this.#resolve(queue);
    // Pending means claimable: below the queue's own attempt limit.
    const [m] = await this.#backend.queueMetrics({
      queueId: q.id,
      now: this.#now(),
      maxReadCt: maxAttemptsOf(q, this.#store.config.maxReadCt),
    });
    if (m === undefined) throw queueNotFound(q.queueName);
    return m;
  }

  async allQueuesMetrics(): Promise<QueueMetrics[]> {
    return this.#backend.queueMetrics({ now: this.#now(), maxReadCt: this.#store.config.maxReadCt });
  }

  async systemStats(): Promise<SystemStats> {
    return this.#backend.systemStats({ now: this.#now(), maxReadCt: this.#store.config.maxReadCt });
  }

  /** Worker counts by status; `staleWorkers` are ready/polling with a heartbeat older than `heartbeatTimeoutMs`. */
  async workerHealthStats(
    params: { heartbeatTimeoutMs?: number; groupByQueue?: boolean } = {},
  ): Promise<WorkerHealthStats[]> {
    const timeout = assertMilliseconds(
      "heartbeatTimeoutMs",
      params.heartbeatTimeoutMs ?? this.defaultZombieThresholdMs(),
    );
    return this.#backend.workerHealthStats({
      staleBefore: cutoffBefore(this.#now(), timeout),
      groupByQueue: params.groupByQueue ?? false,
    });
  }

  /** Statistics of one queue's workers (one statement, whatever their number). */
  async workerStats(queue: QueueRef): Promise<WorkerStats> {
    const q = await this.#resolve(queue);
    return computeWorkerStats(await this.#backend.queueWorkerCounts({ queueId: q.id }), this.#now());
  }

  /** The worker row of that id. WORKER_NOT_FOUND when missing. */
  async getWorker(id: number): Promise<WorkerRecord> {
    assertId("id", id);
    const w = await this.#backend.getWorker(id);
    if (w === null) throw workerNotFound(id);
    return w;
  }

  /**
   * Move any worker (of this or another process) through its state machine by id, e.g. `"suspend"` a worker
   * another process runs: its poll loop sees the new status at its next check. INVALID_STATE_TRANSITION (row
   * unchanged) when the current status forbids it; WORKER_NOT_FOUND when the row is gone.
   */
  async transitionWorker(id: number, op: WorkerOperation): Promise<WorkerRecord> {
    assertId("id", id);
    const t = WORKER_TRANSITIONS[assertOneOf("op", op, WORKER_TRANSITIONS)];
    const row = await this.#backend.transitionWorker({ id, from: t.from, to: t.to, now: this.#now() });
    if (row !== null) return row;
    const current = await this.getWorker(id);
    throw new InvalidStateTransitionError(current.status, t.to, t.reason);
  }

  /** The message of that id (any state). MESSAGE_NOT_FOUND when missing. */
  async getMessage(id: number): Promise<QueueMessage> {
    assertId("id", id);
    const m = await this.#backend.getMessage(id);
    if (m === null) throw messageNotFound(id);
    return m;
  }

  /** Delete messages by id whoever holds them (with their workflow runs); one result per id. */
  async deleteMessages(ids: readonly number[]): Promise<boolean[]> {
    assertIds("ids", ids);
    return this.#backend.deleteMessages({ ids });
  }

  /**
   * Archive a message by id as an operator, overriding its consumer's lease. Only a message some consumer has
   * taken can be archived this way (the store archives on behalf of an owner); `false` when it is already
   * archived, VALIDATION_FAILED when it was never delivered (delete it instead).
   */
  async archiveMessage(id: number): Promise<boolean> {
    const m = await this.getMessage(id);
    if (m.archivedAt !== null) return false;
    if (m.consumerWorkerId === null) {
      throw new PgqrsError(
        "VALIDATION_FAILED",
        `Validation failed: message ${id} has not been delivered to a consumer, so it cannot be archived; delete it instead`,
        { details: { id } },
      );
    }
    const [ok] = await this.#backend.archive({ ids: [id], workerId: m.consumerWorkerId, now: this.#now() });
    return ok ?? false;
  }

  /** Workflow run `runId` (with `waitingFor` while it is PAUSED). RUN_NOT_FOUND when there is none. */
  getRun(runId: number): Promise<RunRecord> {
    return getRunRecord(this.#store.context, runId);
  }

  /** Messages sent to run `runId` (`send`, `run.send`), oldest first, received ones included. */
  runMessages(runId: number): Promise<RunMessageRecord[]> {
    return runMessages(this.#store.context, runId);
  }

  /** Events set by run `runId` (`run.setEvent`), by key. */
  runEvents(runId: number): Promise<RunEventRecord[]> {
    return runEvents(this.#store.context, runId);
  }

  /** Runs started by run `runId` with `run.startChild`, oldest first. */
  childRuns(runId: number): Promise<RunRecord[]> {
    return childRuns(this.#store.context, runId);
  }

  /**
   * One page of runs, newest first, filtered by workflow name, status and creation time; pass `nextCursor` back as
   * `cursor` for the next page. Index-backed: one statement per page, whatever the number of runs.
   */
  listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    return listRuns(this.#store.context, options);
  }

  /** The steps of run `runId`, in creation order. RUN_NOT_FOUND for an unknown run. */
  listSteps(runId: number): Promise<StepRecord[]> {
    return listSteps(this.#store.context, runId);
  }

  /**
   * Put an ERROR or CANCELLED workflow run back to work: QUEUED, its trigger message visible now (read count
   * reset); steps that succeeded replay their outputs, failed steps run again with a fresh retry budget. Resolves
   * with the run. RUN_NOT_FOUND; INVALID_STATE_TRANSITION (naming the run's status) for any other status, with
   * nothing written.
   */
  retryRun(runId: number): Promise<RunRecord> {
    return adminRetryRun(this.#store.context, runId);
  }

  /**
   * Wake a waiting workflow run now: a PAUSED run (its sleep ends now, its pause or retry wait is due now; a recv,
   * event or child wait checks again), or a RUNNING run waiting for a step retry. Resolves with the run.
   * RUN_NOT_FOUND; INVALID_STATE_TRANSITION (naming the run's status) when it is not waiting, with nothing written.
   */
  resumeRun(runId: number): Promise<RunRecord> {
    return adminResumeRun(this.#store.context, runId);
  }

  /**
   * Start a new run of the same workflow with the same input that replays the original's successful steps created
   * before `options.fromStep` and executes that step and the rest; the original (in any status) is unchanged.
   * Resolves with the new run (QUEUED, `forkedFromRunId` = `runId`). RUN_NOT_FOUND; VALIDATION_FAILED when
   * `fromStep` is not a step of the run, with nothing written.
   */
  forkRun(runId: number, options: ForkRunOptions): Promise<RunRecord> {
    return adminForkRun(this.#store.context, runId, options);
  }

  /**
   * Set how long a queue's or workflow's archived messages, dead letters and finished runs are kept (`"7d"`, `"12h"`,
   * milliseconds; `false` keeps that kind forever); fields left out keep their value. `false` alone keeps
   * everything. Defaults when never set: archived 7d, deadLetters 30d, finishedRuns 30d. QUEUE_NOT_FOUND;
   * VALIDATION_FAILED naming the field, with nothing written.
   */
  setRetention(name: string, retention: RetentionOptions | false): Promise<RetentionPolicy> {
    return setRetention(this.#store.context, name, retention);
  }

  /** The retention in force for a queue or workflow (`isDefault` when none was set). QUEUE_NOT_FOUND. */
  getRetention(name: string): Promise<RetentionPolicy> {
    return getRetention(this.#store.context, name);
  }

  /** Forget a queue's or workflow's retention: the defaults apply again. QUEUE_NOT_FOUND. */
  resetRetention(name: string): Promise<RetentionPolicy> {
    return resetRetention(this.#store.context, name);
  }

  /**
   * Delete messages archived before `olderThan` (a Date or a duration such as `"7d"`), with their finished runs,
   * whatever the retention policies, in bounded batches; of one queue or all. Dead letters only with
   * `deadLetters: true`. Resolves with the counts deleted.
   */
  purgeArchived(options: PurgeArchivedOptions): Promise<RetentionCounts> {
    return purgeArchived(this.#store.context, options);
  }

  /** Apply the retention policies now, in bounded batches, until nothing more is due. */
  runRetention(options: RunRetentionOptions = {}): Promise<RetentionSweepResult> {
    return runRetention(this.#store.context, options);
  }

  /** Create a cron schedule of a workflow or a queue (see `CreateScheduleOptions`). SCHEDULE_ALREADY_EXISTS. */
  createSchedule(options: CreateScheduleOptions): Promise<ScheduleRecord> {
    return schedules.createSchedule(this.#store, options);
  }

  /** Change some fields of a schedule (see `UpdateSchedulePatch`). SCHEDULE_NOT_FOUND. */
  updateSchedule(name: string, patch: UpdateSchedulePatch): Promise<ScheduleRecord> {
    return schedules.updateSchedule(this.#store, name, patch);
  }

  /** The schedule of that name, with `nextRunAt`, `lastRunAt` and `lastStatus`. SCHEDULE_NOT_FOUND. */
  getSchedule(name: string): Promise<ScheduleRecord> {
    return schedules.getSchedule(this.#store, name);
  }

  /** The schedules by name: every one, or one page (`{ limit, offset }`). */
  listSchedules(page?: Page): Promise<ScheduleRecord[]> {
    return schedules.listSchedules(this.#store, page);
  }

  /** How many schedules exist and how many are paused (one statement). */
  countSchedules(): Promise<{ total: number; paused: number }> {
    return schedules.countSchedules(this.#store);
  }

  /** Pause a schedule: nothing fires until it is resumed (the ticks in between are never fired). */
  pauseSchedule(name: string): Promise<ScheduleRecord> {
    return schedules.pauseSchedule(this.#store, name);
  }

  /** Resume a paused schedule: its next tick is the first after now. */
  resumeSchedule(name: string): Promise<ScheduleRecord> {
    return schedules.resumeSchedule(this.#store, name);
  }

  /** Delete a schedule and its ticks. SCHEDULE_NOT_FOUND. */
  deleteSchedule(name: string): Promise<void> {
    return schedules.deleteSchedule(this.#store, name);
  }

  /** Fire a schedule once now, outside its ticks (`scheduledAt` = now); resolves with the message enqueued. */
  triggerSchedule(name: string): Promise<QueueMessage> {
    return schedules.triggerSchedule(this.#store, name);
  }

  /** A schedule's handled ticks (fired or skipped), newest first; `limit` 1 to 1,000, default 100. */
  listScheduleTicks(name: string, options: { limit?: number } = {}): Promise<ScheduleTickRecord[]> {
    return schedules.listScheduleTicks(this.#store, name, options);
  }

  async #resolve(queue: QueueRef | undefined): Promise<QueueRecord> {
    // Plain JavaScript callers can leave the queue out; say so instead of failing on a property of undefined.
    if (queue === undefined || queue === null) {
      throw new PgqrsError("VALIDATION_FAILED", "Validation failed: Queue name is required");
    }
    if (typeof queue !== "string") return queue;
    assertName("queue", queue);
    return this.#store.getQueue(queue);
  }

  async #resolveId(id: number): Promise<QueueRecord> {
    const q = await this.#backend.getQueueById(id);
    if (q === null) throw new PgqrsError("QUEUE_NOT_FOUND", `Queue with id '${id}' not found`, { details: { id } });
    return q;
  }
}

function workerNotFound(id: number): PgqrsError {
  return new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${id}' not found`, { details: { workerId: id } });
}

function messageNotFound(id: number): PgqrsError {
  return new PgqrsError("MESSAGE_NOT_FOUND", `Message with id '${id}' not found`, { details: { messageId: id } });
}

/** Administration of a store. */
export function admin(store: Store): Admin {
  return new Admin(store);
}
