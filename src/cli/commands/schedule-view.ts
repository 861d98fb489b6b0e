/** How a schedule reads in the CLI: its target and its state in one word each. */
import type { ScheduleRecord } from "../../store/schedule-store.js";

/** A schedule as the admin API returns it. */
export type Schedule = ScheduleRecord;

/** `workflow report` or `queue pings`. */
export function scheduleTarget(s: Pick<Schedule, "workflow" | "queue">): string {
  return s.workflow !== null ? `workflow ${s.workflow}` : `queue ${s.queue ?? "?"}`;
}

/** `paused`, `ended` (no tick left: past its end) or `active`. */
export function scheduleState(s: Pick<Schedule, "paused" | "nextRunAt">): "paused" | "ended" | "active" {
  if (s.paused) return "paused";
  return s.nextRunAt === null ? "ended" : "active";
}
