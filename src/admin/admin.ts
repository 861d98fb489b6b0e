/**
 * Administration of one store (`pgqrs.admin(store)`, `store.admin(name)`). `Admin` is built in parts, one concept
 * each: the admin worker it may act as (admin-base.ts), schema and queues (admin-queues.ts), workers
 * (admin-workers.ts), messages and dead letters (admin-messages.ts); this file adds workflow runs, retention and
 * schedules, which delegate to their own modules.
 */
import type { Store } from "../api/pgqrs-store.js";
import type { RetentionOptions, RetentionPolicy } from "../retention/retention-policy.js";
import type { RetentionSweepResult } from "../retention/retention-sweep.js";
import type { CreateScheduleOptions, UpdateSchedulePatch } from "../schedules/schedule-options.js";
import type { RunEventRecord, RunMessageRecord } from "../store/run-primitives.js";
import type { ScheduleRecord, ScheduleTickRecord } from "../store/schedule-store.js";
import type { Page, QueueMessage, RunRecord, StepRecord } from "../types.js";
import type { WorkerHandle } from "../workers/worker-handle.js";
import { AdminMessages } from "./admin-messages.js";
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
import { childRuns, getRunRecord, runEvents, runMessages } from "./run-inspection.js";
import { adminForkRun, adminResumeRun, adminRetryRun, type ForkRunOptions } from "./run-operations.js";
import { type ListRunsOptions, listRuns, listSteps, type RunPage } from "./run-queries.js";
import * as schedules from "./schedules.js";

export type { QueueRef } from "./queue-ref.js";

/**
 * Administration of one store: schema, queues, workers, dead letters and statistics.
 * Reads register no worker rows.
 */
export class Admin extends AdminMessages {
  /** `worker`: the named admin worker this admin acts as (see {@link name}); none for `pgqrs.admin(store)`. */
  constructor(store: Store, worker?: Promise<WorkerHandle>) {
    super(store, worker);
  }

  /**
   * An admin acting as a named worker (pgqrs's `admin(&store).name(..)`): its row has no queue (`queue_id` NULL)
   * and starts `ready`. Registration follows the worker rules (a live worker of that name is refused); its errors
   * surface at the first worker call ({@link workerId}, {@link status}, ...). Admin operations work either way.
   */
  name(workerName: string): Admin {
    return new Admin(this.store, this.store.registerAdminWorker(workerName));
  }

  /** Workflow run `runId` (with `waitingFor` while it is PAUSED). RUN_NOT_FOUND when there is none. */
  getRun(runId: number): Promise<RunRecord> {
    return getRunRecord(this.store.context, runId);
  }

  /** Messages sent to run `runId` (`send`, `run.send`), oldest first, received ones included. */
  runMessages(runId: number): Promise<RunMessageRecord[]> {
    return runMessages(this.store.context, runId);
  }

  /** Events set by run `runId` (`run.setEvent`), by key. */
  runEvents(runId: number): Promise<RunEventRecord[]> {
    return runEvents(this.store.context, runId);
  }

  /** Runs started by run `runId` with `run.startChild`, oldest first. */
  childRuns(runId: number): Promise<RunRecord[]> {
    return childRuns(this.store.context, runId);
  }

  /**
   * One page of runs, newest first, filtered by workflow name, status and creation time; pass `nextCursor` back as
   * `cursor` for the next page. Index-backed: one statement per page, whatever the number of runs.
   */
  listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    return listRuns(this.store.context, options);
  }

  /** The steps of run `runId`, in creation order. RUN_NOT_FOUND for an unknown run. */
  listSteps(runId: number): Promise<StepRecord[]> {
    return listSteps(this.store.context, runId);
  }

  /**
   * Put an ERROR or CANCELLED workflow run back to work: QUEUED, its trigger message visible now (read count
   * reset); steps that succeeded replay their outputs, failed steps run again with a fresh retry budget. Resolves
   * with the run. RUN_NOT_FOUND; INVALID_STATE_TRANSITION (naming the run's status) for any other status, with
   * nothing written.
   */
  retryRun(runId: number): Promise<RunRecord> {
    return adminRetryRun(this.store.context, runId);
  }

  /**
   * Wake a waiting workflow run now: a PAUSED run (its sleep ends now, its pause or retry wait is due now; a recv,
   * event or child wait checks again), or a RUNNING run waiting for a step retry. Resolves with the run.
   * RUN_NOT_FOUND; INVALID_STATE_TRANSITION (naming the run's status) when it is not waiting, with nothing written.
   */
  resumeRun(runId: number): Promise<RunRecord> {
    return adminResumeRun(this.store.context, runId);
  }

  /**
   * Start a new run of the same workflow with the same input that replays the original's successful steps created
   * before `options.fromStep` and executes that step and the rest; the original (in any status) is unchanged.
   * Resolves with the new run (QUEUED, `forkedFromRunId` = `runId`). RUN_NOT_FOUND; VALIDATION_FAILED when
   * `fromStep` is not a step of the run, with nothing written.
   */
  forkRun(runId: number, options: ForkRunOptions): Promise<RunRecord> {
    return adminForkRun(this.store.context, runId, options);
  }

  /**
   * Set how long a queue's or workflow's archived messages, dead letters and finished runs are kept (`"7d"`, `"12h"`,
   * milliseconds; `false` keeps that kind forever); fields left out keep their value. `false` alone keeps
   * everything. Defaults when never set: archived 7d, deadLetters 30d, finishedRuns 30d. QUEUE_NOT_FOUND;
   * VALIDATION_FAILED naming the field, with nothing written.
   */
  setRetention(name: string, retention: RetentionOptions | false): Promise<RetentionPolicy> {
    return setRetention(this.store.context, name, retention);
  }

  /** The retention in force for a queue or workflow (`isDefault` when none was set). QUEUE_NOT_FOUND. */
  getRetention(name: string): Promise<RetentionPolicy> {
    return getRetention(this.store.context, name);
  }

  /** Forget a queue's or workflow's retention: the defaults apply again. QUEUE_NOT_FOUND. */
  resetRetention(name: string): Promise<RetentionPolicy> {
    return resetRetention(this.store.context, name);
  }

  /**
   * Delete messages archived before `olderThan` (a Date or a duration such as `"7d"`), with their finished runs,
   * whatever the retention policies, in bounded batches; of one queue or all. Dead letters only with
   * `deadLetters: true`. Resolves with the counts deleted.
   */
  purgeArchived(options: PurgeArchivedOptions): Promise<RetentionCounts> {
    return purgeArchived(this.store.context, options);
  }

  /** Apply the retention policies now, in bounded batches, until nothing more is due. */
  runRetention(options: RunRetentionOptions = {}): Promise<RetentionSweepResult> {
    return runRetention(this.store.context, options);
  }

  /** Create a cron schedule of a workflow or a queue (see `CreateScheduleOptions`). SCHEDULE_ALREADY_EXISTS. */
  createSchedule(options: CreateScheduleOptions): Promise<ScheduleRecord> {
    return schedules.createSchedule(this.store, options);
  }

  /** Change some fields of a schedule (see `UpdateSchedulePatch`). SCHEDULE_NOT_FOUND. */
  updateSchedule(name: string, patch: UpdateSchedulePatch): Promise<ScheduleRecord> {
    return schedules.updateSchedule(this.store, name, patch);
  }

  /** The schedule of that name, with `nextRunAt`, `lastRunAt` and `lastStatus`. SCHEDULE_NOT_FOUND. */
  getSchedule(name: string): Promise<ScheduleRecord> {
    return schedules.getSchedule(this.store, name);
  }

  /** The schedules by name: every one, or one page (`{ limit, offset }`). */
  listSchedules(page?: Page): Promise<ScheduleRecord[]> {
    return schedules.listSchedules(this.store, page);
  }

  /** How many schedules exist and how many are paused (one statement). */
  countSchedules(): Promise<{ total: number; paused: number }> {
    return schedules.countSchedules(this.store);
  }

  /** Pause a schedule: nothing fires until it is resumed (the ticks in between are never fired). */
  pauseSchedule(name: string): Promise<ScheduleRecord> {
    return schedules.pauseSchedule(this.store, name);
  }

  /** Resume a paused schedule: its next tick is the first after now. */
  resumeSchedule(name: string): Promise<ScheduleRecord> {
    return schedules.resumeSchedule(this.store, name);
  }

  /** Delete a schedule and its ticks. SCHEDULE_NOT_FOUND. */
  deleteSchedule(name: string): Promise<void> {
    return schedules.deleteSchedule(this.store, name);
  }

  /** Fire a schedule once now, outside its ticks (`scheduledAt` = now); resolves with the message enqueued. */
  triggerSchedule(name: string): Promise<QueueMessage> {
    return schedules.triggerSchedule(this.store, name);
  }

  /** A schedule's handled ticks (fired or skipped), newest first; `limit` 1 to 1,000, default 100. */
  listScheduleTicks(name: string, options: { limit?: number } = {}): Promise<ScheduleTickRecord[]> {
    return schedules.listScheduleTicks(this.store, name, options);
  }
}

/** Administration of a store. */
export function admin(store: Store): Admin {
  return new Admin(store);
}
