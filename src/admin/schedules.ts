/**
 * Schedules administration (`admin(store).createSchedule(…)` and the rest delegate here). Ticks are fired by the
 * store-level task every poll loop of a store runs (src/workers/store-tasks.ts); these calls only write the
 * definitions. Errors: VALIDATION_FAILED naming the field (nothing written), SCHEDULE_NOT_FOUND,
 * SCHEDULE_ALREADY_EXISTS, WORKFLOW_NOT_FOUND / QUEUE_NOT_FOUND for a missing target.
 */
import type { Store } from "../api/pgqrs-store.js";
import { assertName } from "../validation/names.js";
import { PgqrsError, ValidationError } from "../errors.js";
import { serializePayload } from "../queue/payload-validation.js";
import {
  checkDefinition,
  type CreateScheduleOptions,
  mergePatch,
  tickPayload,
  type UpdateSchedulePatch,
} from "../schedules/schedule-options.js";
import type { ScheduleDefinition, ScheduleRecord, ScheduleRow, ScheduleTickRecord } from "../store/schedule-store.js";
import type { Page, QueueMessage } from "../types.js";
import { assertCount, assertPage } from "../validation/arguments.js";

const PATCH_FIELDS = new Set([
  "cron",
  "timezone",
  "workflow",
  "queue",
  "input",
  "payload",
  "overlap",
  "catchUp",
  "startAt",
  "endAt",
]);
const CREATE_FIELDS = new Set([...PATCH_FIELDS, "name", "paused", "ifNotExists"]);

function assertFields(options: unknown, allowed: ReadonlySet<string>, what: string): asserts options is object {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValidationError(`${what} must be an object`, { argument: what });
  }
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new ValidationError(`${key} is not a schedule option`, { argument: key });
  }
}

/** SCHEDULE_NOT_FOUND naming the schedule. */
export function scheduleNotFound(name: string): PgqrsError {
  return new PgqrsError("SCHEDULE_NOT_FOUND", `Schedule '${name}' not found`, { details: { name } });
}

/** The public record of a stored row (without the backend's ids). */
export function toScheduleRecord(row: ScheduleRow): ScheduleRecord {
  const { queueId: _queueId, workflowId: _workflowId, ...record } = row;
  return record;
}

/** Create a schedule; its first tick is the first after now (store clock), and at or after `startAt`. */
export async function createSchedule(store: Store, options: CreateScheduleOptions): Promise<ScheduleRecord> {
  const ctx = store.context;
  ctx.assertOpen();
  assertFields(options, CREATE_FIELDS, "options");
  assertName("schedule", options.name);
  if (options.ifNotExists !== undefined && typeof options.ifNotExists !== "boolean") {
    throw new ValidationError("ifNotExists must be a boolean", { argument: "ifNotExists" });
  }
  const now = ctx.clock.now();
  const definition = checkDefinition(options, now, ctx.config.validationConfig);
  const row = await ctx.backend.createSchedule({
    name: options.name,
    ...definition,
    now,
    ...(options.ifNotExists === true ? { ifNotExists: true } : {}),
  });
  return toScheduleRecord(row);
}

/** The schedule of that name. SCHEDULE_NOT_FOUND when missing. */
export async function getSchedule(store: Store, name: string): Promise<ScheduleRecord> {
  return toScheduleRecord(await row(store, name));
}

/** The schedules by name: every one, or one page (`limit` 0 to 100,000, `offset` ≥ 0). */
export async function listSchedules(store: Store, page: Page = {}): Promise<ScheduleRecord[]> {
  store.context.assertOpen();
  assertPage(page);
  const p: { limit?: number; offset?: number } = {};
  if (page.limit !== undefined) p.limit = page.limit;
  if (page.offset !== undefined) p.offset = page.offset;
  return (await store.context.backend.listSchedules(p)).map(toScheduleRecord);
}

/** How many schedules exist and how many are paused. */
export async function countSchedules(store: Store): Promise<{ total: number; paused: number }> {
  store.context.assertOpen();
  return store.context.backend.countSchedules();
}

/**
 * Change some fields (see {@link UpdateSchedulePatch}); the whole result is validated as on create. A change of
 * `cron`, `timezone`, `startAt` or `endAt` recomputes the next tick from now; other changes keep it.
 */
export async function updateSchedule(store: Store, name: string, patch: UpdateSchedulePatch): Promise<ScheduleRecord> {
  assertFields(patch, PATCH_FIELDS, "patch");
  const current = await row(store, name);
  const now = store.context.clock.now();
  const definition = checkDefinition(mergePatch(current, patch), now, store.context.config.validationConfig);
  const retimed = ["cron", "timezone", "startAt", "endAt"].some((k) => k in patch);
  if (!retimed) definition.nextRunAt = current.nextRunAt;
  return write(store, name, { ...definition, paused: current.paused }, now);
}

/** Pause: no tick fires while paused (the ticks of that time are never fired, whatever `catchUp`). Idempotent. */
export async function pauseSchedule(store: Store, name: string): Promise<ScheduleRecord> {
  const current = await row(store, name);
  if (current.paused) return toScheduleRecord(current);
  return write(store, name, { ...storedDefinition(current), paused: true }, store.context.clock.now());
}

/** Resume: the next tick is the first after now (ticks of the paused time are not fired). Idempotent. */
export async function resumeSchedule(store: Store, name: string): Promise<ScheduleRecord> {
  const current = await row(store, name);
  if (!current.paused) return toScheduleRecord(current);
  const now = store.context.clock.now();
  return write(store, name, { ...checkDefinitionOf(store, current, now), paused: false }, now);
}

/** Delete the schedule and its ticks. SCHEDULE_NOT_FOUND when missing. */
export async function deleteSchedule(store: Store, name: string): Promise<void> {
  store.context.assertOpen();
  assertName("schedule", name);
  if (!(await store.context.backend.deleteSchedule(name))) throw scheduleNotFound(name);
}

/**
 * Fire once now, outside the schedule's ticks: enqueue its trigger (payload with `scheduledAt` = now) whatever
 * `overlap`, `paused` and the cron say, and record it as the last firing. Resolves with the message enqueued
 * (for a workflow: the trigger message of its QUEUED run). SCHEDULE_NOT_FOUND when missing.
 */
export async function triggerSchedule(store: Store, name: string): Promise<QueueMessage> {
  const current = await row(store, name);
  const ctx = store.context;
  const now = ctx.clock.now();
  const payload = serializePayload(tickPayload(current, now), ctx.config.validationConfig);
  const message = await ctx.backend.triggerScheduleNow({ name, payload, now });
  if (message === null) throw scheduleNotFound(name);
  ctx.enqueueSignals.signal(message.queueId);
  return message;
}

/** The schedule's handled ticks, newest first (`limit` 1 to 1,000, default 100). */
export async function listScheduleTicks(
  store: Store,
  name: string,
  options: { limit?: number } = {},
): Promise<ScheduleTickRecord[]> {
  const limit = options.limit === undefined ? 100 : assertCount("limit", options.limit, { min: 1, max: 1_000 });
  const current = await row(store, name);
  return store.context.backend.listScheduleTicks({ scheduleId: current.id, limit });
}

async function row(store: Store, name: string): Promise<ScheduleRow> {
  store.context.assertOpen();
  assertName("schedule", name);
  const found = await store.context.backend.getSchedule(name);
  if (found === null) throw scheduleNotFound(name);
  return found;
}

/** The stored definition as it is (no recomputation). */
function storedDefinition(c: ScheduleRow): ScheduleDefinition {
  return {
    cron: c.cron,
    timezone: c.timezone,
    target: c.workflow !== null ? { workflow: c.workflow } : { queue: c.queue ?? "" },
    input: c.workflow !== null ? JSON.stringify(c.input ?? null) : null,
    payload: c.workflow === null && c.payload !== null ? JSON.stringify(c.payload) : null,
    overlap: c.overlap,
    catchUp: c.catchUp,
    startAt: c.startAt,
    endAt: c.endAt,
    paused: c.paused,
    nextRunAt: c.nextRunAt,
  };
}

function checkDefinitionOf(store: Store, current: ScheduleRow, now: Date) {
  return checkDefinition(mergePatch(current, {}), now, store.context.config.validationConfig);
}

async function write(store: Store, name: string, definition: ScheduleDefinition, now: Date): Promise<ScheduleRecord> {
  const updated = await store.context.backend.updateSchedule({ name, definition, now });
  if (updated === null) throw scheduleNotFound(name);
  return toScheduleRecord(updated);
}
