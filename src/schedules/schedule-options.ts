/**
 * The options of `admin(store).createSchedule` / `updateSchedule`, and their validation: VALIDATION_FAILED naming
 * the field (`details.argument`), before anything is written.
 */
import { ValidationError } from "../errors.js";
import type { ScheduleCatchUp, ScheduleDefinition, ScheduleOverlap, ScheduleRecord } from "../store/schedule-store.js";
import type { ValidationConfig } from "../validation-config.js";
import { serializePayload } from "../queue/payload-validation.js";
import { assertOneOf } from "../validation/arguments.js";
import { assertDate } from "../validation/time-arguments.js";
import { isWorkflowDefinition, type WorkflowDefinition } from "../workflow/definition.js";
import { compileCron } from "./cron.js";

/** `admin(store).createSchedule(options)`. Exactly one of `workflow` and `queue`. */
export interface CreateScheduleOptions {
  /** Unique name (any non-empty string). */
  name: string;
  /** Cron expression: 5 fields (minute precision), 6 fields (seconds first), or `@yearly`, `@monthly`, `@weekly`,
   * `@daily`, `@hourly`. */
  cron: string;
  /** IANA time zone the expression is read in. Default `"UTC"`. See `src/schedules/cron.ts` for DST days. */
  timezone?: string;
  /** The workflow triggered at each tick: its definition or its name. The run's payload is `{ input, scheduledAt }`. */
  // biome-ignore lint/suspicious/noExplicitAny: any definition's input and output types are accepted.
  workflow?: string | WorkflowDefinition<any, any>;
  /** The queue a message is enqueued on at each tick; the payload is `{ ...payload, scheduledAt }`. */
  queue?: string;
  /** Workflow schedules: the trigger's input (any JSON value). Default `null`. */
  input?: unknown;
  /** Queue schedules: the payload's fields (a plain JSON object; `scheduledAt` is set by the schedule). Default `{}`. */
  payload?: Record<string, unknown>;
  /**
   * `"skip"` (default): a tick whose previous firing's work is unfinished (the previous message not archived yet,
   * or its workflow run not SUCCESS, ERROR or CANCELLED) is recorded `skipped` and enqueues nothing. `"allow"`:
   * every tick enqueues.
   */
  overlap?: ScheduleOverlap;
  /**
   * Ticks missed while no poll loop ran (or while firing fell behind): `"latest"` (default) fires the most recent
   * missed tick once; `"all"` fires every missed tick in order (at most 1,000 per firing round, the rest in the next
   * rounds); `"none"` fires a tick only within {@link ON_TIME_MS} of its time, so missed ticks are dropped.
   */
  catchUp?: ScheduleCatchUp;
  /** No tick before this instant (inclusive). */
  startAt?: Date;
  /** No tick at or after this instant (exclusive); must be after `startAt`. */
  endAt?: Date;
  /** Create it paused. Default false. */
  paused?: boolean;
  /** Return the existing schedule of that name (unchanged) instead of SCHEDULE_ALREADY_EXISTS. Default false. */
  ifNotExists?: boolean;
}

/**
 * `admin(store).updateSchedule(name, patch)`: the fields to change; the rest keep their values. `startAt` and
 * `endAt` may be `null` to remove the bound; giving `workflow` or `queue` switches the target (the other is
 * dropped). A change of `cron`, `timezone`, `startAt` or `endAt` recomputes the next tick from now.
 */
export type UpdateSchedulePatch = Partial<
  Omit<CreateScheduleOptions, "name" | "ifNotExists" | "startAt" | "endAt" | "paused">
> & { startAt?: Date | null; endAt?: Date | null };

/** How late a tick may fire with `catchUp: "none"` and still count as on time, in milliseconds (60 s). */
export const ON_TIME_MS = 60_000;

function fail(argument: string, reason: string): never {
  throw new ValidationError(`${argument} ${reason}`, { argument });
}

/** The fields of a definition as given, before defaults: what create and update both check. */
interface DefinitionInput {
  cron: unknown;
  timezone?: unknown;
  workflow?: unknown;
  queue?: unknown;
  input?: unknown;
  payload?: unknown;
  overlap?: unknown;
  catchUp?: unknown;
  startAt?: unknown;
  endAt?: unknown;
  paused?: unknown;
}

/**
 * Validate a whole definition and compute its next tick after `now`: VALIDATION_FAILED naming the field for an
 * invalid cron, an unknown timezone, both or neither of workflow/queue, a bad overlap/catchUp, `endAt` not after
 * `startAt`, a payload that is not a JSON object, or no tick left after `now` (`cron`, or `endAt` when the bound is
 * what leaves none).
 */
export function checkDefinition(d: DefinitionInput, now: Date, config: ValidationConfig): ScheduleDefinition {
  const timezone = d.timezone === undefined ? "UTC" : d.timezone;
  const hasWorkflow = d.workflow !== undefined && d.workflow !== null;
  const hasQueue = d.queue !== undefined && d.queue !== null;
  if (hasWorkflow === hasQueue) fail(hasWorkflow ? "workflow" : "queue", "— give exactly one of workflow and queue");
  let target: ScheduleDefinition["target"];
  if (hasWorkflow) {
    const name: unknown = isWorkflowDefinition(d.workflow) ? d.workflow.name : d.workflow;
    if (typeof name !== "string" || name.length === 0) return fail("workflow", "must be a workflow definition or name");
    target = { workflow: name };
  } else {
    if (typeof d.queue !== "string" || d.queue.length === 0) return fail("queue", "must be a queue name");
    target = { queue: d.queue };
  }
  const overlap = d.overlap === undefined ? "skip" : assertOneOf("overlap", d.overlap, ["skip", "allow"] as const);
  const catchUp =
    d.catchUp === undefined ? "latest" : assertOneOf("catchUp", d.catchUp, ["none", "latest", "all"] as const);
  const startAt = d.startAt === undefined || d.startAt === null ? null : assertDate("startAt", d.startAt);
  const endAt = d.endAt === undefined || d.endAt === null ? null : assertDate("endAt", d.endAt);
  if (startAt !== null && endAt !== null && endAt <= startAt) fail("endAt", "must be after startAt");
  if (d.paused !== undefined && typeof d.paused !== "boolean") fail("paused", "must be a boolean");
  if (hasWorkflow && d.payload !== undefined && d.payload !== null)
    fail("payload", "is for queue schedules; use input");
  if (hasQueue && d.input !== undefined && d.input !== null) fail("input", "is for workflow schedules; use payload");
  if (d.payload !== undefined && d.payload !== null) {
    if (typeof d.payload !== "object" || Array.isArray(d.payload)) fail("payload", "must be a plain JSON object");
  }
  const input = hasWorkflow ? serializePayload(d.input === undefined ? null : d.input, config, "input: ") : null;
  const payload =
    hasQueue && d.payload !== undefined && d.payload !== null ? serializePayload(d.payload, config, "payload: ") : null;
  const ticks = compileCron(d.cron, timezone as string, startAt, endAt);
  const nextRunAt = ticks.next(now);
  if (nextRunAt === null) {
    const unbounded = compileCron(d.cron, timezone as string, startAt, null).next(now);
    fail(unbounded !== null && endAt !== null ? "endAt" : "cron", "leaves no tick after now");
  }
  return {
    cron: (d.cron as string).trim(),
    timezone: timezone as string,
    target,
    input,
    payload,
    overlap,
    catchUp,
    startAt,
    endAt,
    paused: d.paused === true,
    nextRunAt,
  };
}

/** A stored schedule's fields as {@link DefinitionInput}, with `patch` applied over them. */
export function mergePatch(current: ScheduleRecord, patch: UpdateSchedulePatch): DefinitionInput {
  const retarget = patch.workflow !== undefined || patch.queue !== undefined;
  return {
    cron: patch.cron ?? current.cron,
    timezone: patch.timezone ?? current.timezone,
    workflow: retarget ? patch.workflow : current.workflow,
    queue: retarget ? patch.queue : current.queue,
    input: "input" in patch ? patch.input : current.workflow === null || retarget ? undefined : current.input,
    payload: "payload" in patch ? patch.payload : current.queue === null || retarget ? undefined : current.payload,
    overlap: patch.overlap ?? current.overlap,
    catchUp: patch.catchUp ?? current.catchUp,
    startAt: patch.startAt === undefined ? current.startAt : patch.startAt,
    endAt: patch.endAt === undefined ? current.endAt : patch.endAt,
    paused: current.paused,
  };
}

/** The message payload of a tick at `tickAt` (`scheduledAt` as an ISO-8601 string). */
export function tickPayload(s: Pick<ScheduleRecord, "workflow" | "input" | "payload">, tickAt: Date): unknown {
  const scheduledAt = tickAt.toISOString();
  if (s.workflow !== null) return { input: s.input ?? null, scheduledAt };
  const fields = s.payload !== null && typeof s.payload === "object" ? (s.payload as Record<string, unknown>) : {};
  return { ...fields, scheduledAt };
}
