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
  overlap: ScheduleOverlap;
  catchUp: ScheduleCatchUp;
  /** No tick before this instant (inclusive); `null`: no bound. */
  startAt: Date | null;
  /** No tick at or after this instant (exclusive); `null`: no bound. */
  endAt: Date | null;
  paused: boolean;
  /** The next tick to fire; `null` when no tick is left (past `endAt`). */
  nextRunAt: Date | null;
  /** The tick time of the last firing (fired or skipped, or a trigger-now); `null` before the first. */
  lastRunAt: Date | null;
  lastStatus: ScheduleTickStatus | null;
  /** The message of the last firing that enqueued one (for a workflow: the trigger message of its run). */
  lastMessageId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A schedule as the backend stores it: the record plus the ids the firing needs. */
export interface ScheduleRow extends ScheduleRecord {
  /** The queue enqueued on: the workflow's queue for a workflow schedule. */
  queueId: number;
  workflowId: number | null;
}

/** One tick handled (`pgqrs_schedule_ticks`). */
export interface ScheduleTickRecord {
  scheduleId: number;
  tickAt: Date;
  status: ScheduleTickStatus;
  /** The message enqueued (`null` when skipped). */
  messageId: number | null;
  firedAt: Date;
}

/** The target of a schedule: exactly one of a workflow or a queue, by name. */
export type ScheduleTarget = { workflow: string } | { queue: string };

/** The definition fields of a schedule, already validated by the engine; JSON as text. */
export interface ScheduleDefinition {
  cron: string;
  timezone: string;
  target: ScheduleTarget;
  /** JSON text or `null`. */
  input: string | null;
  /** JSON text or `null`. */
  payload: string | null;
  overlap: ScheduleOverlap;
  catchUp: ScheduleCatchUp;
  startAt: Date | null;
  endAt: Date | null;
  paused: boolean;
  nextRunAt: Date | null;
}

export interface CreateScheduleParams extends ScheduleDefinition {
  name: string;
  now: Date;
  /** Return the existing schedule of that name (unchanged) instead of SCHEDULE_ALREADY_EXISTS; race-free. */
  ifNotExists?: boolean;
}

export interface FireScheduleParams {
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
