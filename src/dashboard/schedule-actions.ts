/**
 * The Schedules page's writes: pause, resume or fire a schedule now, through the admin API. The schedule is named
 * in the path (URL-encoded); a name that does not decode is a malformed request, one that names nothing a 404.
 */
import type { Admin } from "../admin/admin.js";
import { isPgqrsError } from "../errors.js";
import type { ActionResult } from "./actions.js";

export type ScheduleAction = "pause" | "resume" | "trigger";
export const SCHEDULE_ACTIONS: readonly ScheduleAction[] = ["pause", "resume", "trigger"];

/** The schedule name of a path segment, or `null` when it is not a valid encoding. */
export function scheduleName(segment: string | undefined): string | null {
  if (segment === undefined || segment === "") return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export async function scheduleAction(admin: Admin, name: string, action: ScheduleAction): Promise<ActionResult> {
  try {
    if (action === "pause") {
      await admin.pauseSchedule(name);
      return { ok: true, message: `Schedule ${name} is paused: it fires nothing until resumed` };
    }
    if (action === "resume") {
      const s = await admin.resumeSchedule(name);
      const next = s.nextRunAt === null ? "it has no tick left" : `next run ${s.nextRunAt.toISOString()}`;
      return { ok: true, message: `Schedule ${name} is active again: ${next}` };
    }
    await admin.triggerSchedule(name);
    return { ok: true, message: `Schedule ${name} fired now` };
  } catch (err) {
    if (isPgqrsError(err, "SCHEDULE_NOT_FOUND")) return { ok: false, missing: true, message: err.message };
    if (isPgqrsError(err, "VALIDATION_FAILED")) return { ok: false, invalid: true, message: err.message };
    throw err;
  }
}
