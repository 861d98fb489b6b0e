/**
 * The Store contract of schedules (issue 18): `pgqrs_schedules` holds each schedule's definition and where its
 * firing stands (`next_run_at`, `last_*`); `pgqrs_schedule_ticks` holds one row per tick handled, keyed by
 * `(schedule_id, tick_at)`. That primary key is what makes a tick fire exactly once across every process: a firing
 * inserts the tick row first, and a conflict means another process fired it (nothing is enqueued). Cron
 * expressions are the engine's business (src/schedules/): the backend stores the text and the times it is given.
 */
import type { QueueMessage } from "../types.js";

/** What a schedule does while the previous firing's work is unfinished. */
export type ScheduleOverlap = "skip" | "allow";

/** Which missed ticks fire after downtime (or when firing fell behind). */
export type ScheduleCatchUp = "none" | "latest" | "all";

/** How a tick ended: enqueued, or skipped because the previous firing's work was unfinished (`overlap: "skip"`). */
export type ScheduleTickStatus = "fired" | "skipped";

/** A schedule (`admin(store).getSchedule(name)`). Times are instants (`Date`), ticks computed in `timezone`. */
export interface ScheduleRecord {
  /** Schedule id (database-assigned, from 1). */
  id: number;
  /** Unique name. */
  name: string;
  /** The cron expression as given (5 or 6 fields, or a nickname such as `@daily`). */
  cron: string;
  /** The IANA time zone the expression is read in; default `"UTC"`. */
  timezone: string;
  /** The workflow triggered at each tick, or `null` for a queue schedule. */
  workflow: string | null;
  /** The queue a message is enqueued on at each tick, or `null` for a workflow schedule. */
  queue: string | null;
  /** Workflow schedules: the trigger's `input` (`null` when none). */
  input: unknown;
  /** Queue schedules: the message payload's fields (`null` when none). */
  payload: unknown;
  /** What a tick does while the previous firing's work is unfinished; default `"skip"`. */
  overlap: ScheduleOverlap;
  /** Which missed ticks fire after downtime; default `"latest"`. */
  catchUp: ScheduleCatchUp;
  /** No tick before this instant (inclusive); `null`: no bound. */
  startAt: Date | null;
  /** No tick at or after this instant (exclusive); `null`: no bound. */
  endAt: Date | null;
  /** True while the schedule is paused (no tick fires); default false. */
  paused: boolean;
  /** The next tick to fire; `null` when no tick is left (past `endAt`). */
  nextRunAt: Date | null;
  /** The tick time of the last firing (fired or skipped, or a trigger-now); `null` before the first. */
  lastRunAt: Date | null;
  /** How the last firing ended (`fired` or `skipped`; a trigger-now is `fired`); `null` before the first. */
  lastStatus: ScheduleTickStatus | null;
  /** The message of the last firing that enqueued one (for a workflow: the trigger message of its run). */
  lastMessageId: number | null;
  /** When the schedule was created (the store's clock). */
  createdAt: Date;
  /** When the schedule row last changed (a firing or an update). */
  updatedAt: Date;
}

/** A schedule as the backend stores it: the record plus the ids the firing needs. */
export interface ScheduleRow extends ScheduleRecord {
  /** The queue enqueued on: the workflow's queue for a workflow schedule. */
  queueId: number;
  /** The workflow's id for a workflow schedule; `null` for a queue schedule. */
  workflowId: number | null;
}

/** One tick handled (`pgqrs_schedule_ticks`). */
export interface ScheduleTickRecord {
  /** The schedule's id (`ScheduleRecord.id`). */
  scheduleId: number;
  /** The tick's time, computed from the cron expression; unique per schedule. */
  tickAt: Date;
  /** How the tick ended: `fired` (a message was enqueued) or `skipped` (overlap). */
  status: ScheduleTickStatus;
  /** The message enqueued (`null` when skipped). */
  messageId: number | null;
  /** When the tick was handled (the store's clock); later than `tickAt` when it fired late or caught up. */
  firedAt: Date;
}

/** The target of a schedule: exactly one of a workflow or a queue, by name. */
export type ScheduleTarget = { workflow: string } | { queue: string };

/** The definition fields of a schedule, already validated by the engine; JSON as text. */
export interface ScheduleDefinition {
  /** The cron expression as given. */
  cron: string;
  /** The IANA time zone the expression is read in. */
  timezone: string;
  /** The workflow or queue each tick triggers. */
  target: ScheduleTarget;
  /** JSON text or `null`. */
  input: string | null;
  /** JSON text or `null`. */
  payload: string | null;
  /** What a tick does while the previous firing's work is unfinished. */
  overlap: ScheduleOverlap;
  /** Which missed ticks fire after downtime. */
  catchUp: ScheduleCatchUp;
  /** No tick before this instant (inclusive); `null`: no bound. */
  startAt: Date | null;
  /** No tick at or after this instant (exclusive); `null`: no bound. */
  endAt: Date | null;
  /** Whether the schedule is paused. */
  paused: boolean;
  /** The first tick to fire; `null` when none is left. */
  nextRunAt: Date | null;
}

export interface CreateScheduleParams extends ScheduleDefinition {
  /** The schedule's unique name. */
  name: string;
  /** The store clock's current time. */
  now: Date;
  /** Return the existing schedule of that name (unchanged) instead of SCHEDULE_ALREADY_EXISTS; race-free. */
  ifNotExists?: boolean;
}

export interface FireScheduleParams {
  /** The schedule's id. */
  scheduleId: number;
  /**
   * The `next_run_at` the ticks were computed from: nothing is written unless the row still has it and is not
   * paused (another process advanced it, the schedule was updated, paused or deleted).
   */
  expectedNextRunAt: Date;
  /** Ticks to fire, ascending, each with the message payload (JSON text) it enqueues. May be empty. */
  ticks: readonly { tickAt: Date; payload: string }[];
  /** `next_run_at` afterwards (`null`: no tick left). */
  nextRunAt: Date | null;
  /** The store clock's current time. */
  now: Date;
  /**
   * Delete this schedule's tick rows older than this, in the same transaction (the history stays bounded; a tick
   * that old is behind `next_run_at` and can never be fired again). Default: keep every row.
   */
  pruneBefore?: Date;
}

export interface FireScheduleResult {
  /** False when the compare-and-set on `next_run_at` failed: nothing was written. */
  applied: boolean;
  /** The ticks this call handled (a tick another process had already handled is left out), ascending. */
  ticks: { tickAt: Date; status: ScheduleTickStatus; messageId: number | null }[];
  /** The queue of the messages enqueued. */
  queueId: number;
}

/** Operations of schedules; every backend implements all of them. */
export interface ScheduleStoreOps {
  /**
   * Insert a schedule. SCHEDULE_ALREADY_EXISTS when the name is taken (unless `ifNotExists`), WORKFLOW_NOT_FOUND or
   * QUEUE_NOT_FOUND for a missing target; nothing written then.
   */
  createSchedule(p: CreateScheduleParams): Promise<ScheduleRow>;
  /**
   * Replace the definition of schedule `name` (every field of `definition`), in one statement; `null` when it does
   * not exist. WORKFLOW_NOT_FOUND or QUEUE_NOT_FOUND for a missing target (nothing written).
   */
  updateSchedule(p: { name: string; definition: ScheduleDefinition; now: Date }): Promise<ScheduleRow | null>;
  /** The schedule named `name`, or `null` when there is none. */
  getSchedule(name: string): Promise<ScheduleRow | null>;
  /** The schedules by name (then id); one page with `limit`/`offset`, every one without. */
  listSchedules(p?: { limit?: number; offset?: number }): Promise<ScheduleRow[]>;
  /** How many schedules exist, and how many of them are paused; one statement. */
  countSchedules(): Promise<{ total: number; paused: number }>;
  /** Delete the schedule and its ticks; false when it did not exist. */
  deleteSchedule(name: string): Promise<boolean>;
  /**
   * Unpaused schedules with `next_run_at <= now`, earliest first, at most `limit`: ONE statement on the due index
   * (the firing task's idle cost).
   */
  dueSchedules(p: { now: Date; limit: number }): Promise<ScheduleRow[]>;
  /**
   * Fire ticks, in one transaction: lock the schedule row and check `expectedNextRunAt` (else nothing written,
   * `applied: false`); for each tick, insert its row `(schedule_id, tick_at)` (a conflict: another process handled
   * it, skip it); with `overlap: "skip"` and the last firing's message unarchived (or its run unfinished) record it
   * `skipped`, else enqueue its payload (a workflow schedule: the trigger message and its QUEUED run, as
   * `triggerRun`) and record it `fired`; then set `next_run_at`, `last_run_at`, `last_status`, `last_message_id`.
   * Consumers of the queue are notified as by an enqueue.
   */
  fireSchedule(p: FireScheduleParams): Promise<FireScheduleResult>;
  /**
   * Enqueue one extra firing at `now` outside the tick key (no tick row; overlap not applied), and set
   * `last_run_at = now`, `last_status = 'fired'`, `last_message_id`; in one transaction. `null` when the schedule
   * does not exist.
   */
  triggerScheduleNow(p: { name: string; payload: string; now: Date }): Promise<QueueMessage | null>;
  /** The schedule's ticks, newest first, at most `limit`. */
  listScheduleTicks(p: { scheduleId: number; limit: number }): Promise<ScheduleTickRecord[]>;
}
