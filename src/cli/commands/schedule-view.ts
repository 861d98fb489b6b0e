/** How a schedule reads in the CLI: its target and its state in one word each. */
import type { Admin } from "../../admin/admin.js";

// TEMPORARY until the schedules API (src/admin/schedules.ts) lands: its documented shape (DESIGN18.md), so this
// compiles and the build stays green meanwhile.
/** A schedule as the admin API returns it. */
export interface Schedule {
  id: number;
  name: string;
  cron: string;
  timezone: string;
  workflow: string | null;
  queue: string | null;
  input: unknown;
  payload: unknown;
  overlap: "skip" | "allow";
  catchUp: "none" | "latest" | "all";
  startAt: Date | null;
  endAt: Date | null;
  paused: boolean;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastStatus: "fired" | "skipped" | null;
  lastMessageId: number | null;
  createdAt: Date;
}

/** The schedule methods of the admin API. */
export interface ScheduleApi {
  createSchedule(options: {
    name: string;
    cron: string;
    timezone?: string;
    workflow?: string;
    queue?: string;
    input?: unknown;
    payload?: Record<string, unknown>;
    overlap?: "skip" | "allow";
    catchUp?: "none" | "latest" | "all";
    startAt?: Date;
    endAt?: Date;
  }): Promise<Schedule>;
  getSchedule(name: string): Promise<Schedule>;
  listSchedules(): Promise<Schedule[]>;
  pauseSchedule(name: string): Promise<Schedule>;
  resumeSchedule(name: string): Promise<Schedule>;
  deleteSchedule(name: string): Promise<unknown>;
  triggerSchedule(name: string): Promise<unknown>;
}

export function scheduleApi(admin: Admin): ScheduleApi {
  return admin as unknown as ScheduleApi;
}

/** `workflow report` or `queue pings`. */
export function scheduleTarget(s: Pick<Schedule, "workflow" | "queue">): string {
  return s.workflow !== null ? `workflow ${s.workflow}` : `queue ${s.queue ?? "?"}`;
}

/** `paused`, `ended` (no tick left: past its end) or `active`. */
export function scheduleState(s: Pick<Schedule, "paused" | "nextRunAt">): "paused" | "ended" | "active" {
  if (s.paused) return "paused";
  return s.nextRunAt === null ? "ended" : "active";
}
