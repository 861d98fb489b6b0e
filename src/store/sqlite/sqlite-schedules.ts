/**
 * Schedules on SQLite (see `store/schedule-store.ts`): definitions (sqlite-schedule-definitions.ts) and firing
 * (sqlite-schedule-firing.ts). Every write runs under `BEGIN IMMEDIATE`, so firings of one file (any process) are
 * serialised; the ticks' primary key still decides which one enqueues a tick.
 */
export {
  countSchedules,
  createSchedule,
  deleteSchedule,
  dueSchedules,
  getSchedule,
  listSchedules,
  updateSchedule,
} from "./sqlite-schedule-definitions.js";
export { fireSchedule, listScheduleTicks, triggerScheduleNow } from "./sqlite-schedule-firing.js";
