/** Schedule rows on SQLite mapped to their records (see `store/schedule-store.ts`). */
import type { ScheduleRow } from "../schedule-store.js";
import { decodeTime, decodeTimeOrNull } from "./sqlite-time.js";

/** A schedule row with its target's names (`workflow_name`, `queue_name`), as the schedule reads select it. */
export interface ScheduleSqlRow {
  id: number;
  name: string;
  cron: string;
  timezone: string;
  workflow_id: number | null;
  queue_id: number;
  workflow_name: string | null;
  queue_name: string;
  input: string | null;
  payload: string | null;
  overlap: string;
  catch_up: string;
  start_at: string | null;
  end_at: string | null;
  paused: number;
  next_run_at: string | null;
  last_run_at: string | null;
  last_status: string | null;
  last_message_id: number | null;
  created_at: string;
  updated_at: string;
}

function json(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

export function toSchedule(r: ScheduleSqlRow): ScheduleRow {
  return {
    id: r.id,
    name: r.name,
    cron: r.cron,
    timezone: r.timezone,
    workflow: r.workflow_id === null ? null : r.workflow_name,
    queue: r.workflow_id === null ? r.queue_name : null,
    input: json(r.input),
    payload: json(r.payload),
    overlap: r.overlap === "allow" ? "allow" : "skip",
    catchUp: r.catch_up === "none" || r.catch_up === "all" ? r.catch_up : "latest",
    startAt: decodeTimeOrNull(r.start_at),
    endAt: decodeTimeOrNull(r.end_at),
    paused: r.paused === 1,
    nextRunAt: decodeTimeOrNull(r.next_run_at),
    lastRunAt: decodeTimeOrNull(r.last_run_at),
    lastStatus: r.last_status === "fired" || r.last_status === "skipped" ? r.last_status : null,
    lastMessageId: r.last_message_id,
    createdAt: decodeTime(r.created_at),
    updatedAt: decodeTime(r.updated_at),
    queueId: r.queue_id,
    workflowId: r.workflow_id,
  };
}
