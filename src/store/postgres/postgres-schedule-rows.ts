/** Schedule and tick rows on PostgreSQL mapped to their records (see `store/schedule-store.ts`). */
import type { ScheduleRow, ScheduleTickRecord } from "../schedule-store.js";
import type { PostgresConnection, Queryable, Row } from "./postgres-connection.js";

function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v));
}

export function toSchedule(r: Row): ScheduleRow {
  const workflowId = r.workflow_id === null || r.workflow_id === undefined ? null : Number(r.workflow_id);
  return {
    id: Number(r.id),
    name: String(r.name),
    cron: String(r.cron),
    timezone: String(r.timezone),
    workflow: workflowId === null ? null : String(r.workflow_name),
    queue: workflowId === null ? String(r.queue_name) : null,
    input: r.input ?? null,
    payload: r.payload ?? null,
    overlap: r.overlap === "allow" ? "allow" : "skip",
    catchUp: r.catch_up === "none" || r.catch_up === "all" ? r.catch_up : "latest",
    startAt: dateOrNull(r.start_at),
    endAt: dateOrNull(r.end_at),
    paused: r.paused === true,
    nextRunAt: dateOrNull(r.next_run_at),
    lastRunAt: dateOrNull(r.last_run_at),
    lastStatus: r.last_status === "fired" || r.last_status === "skipped" ? r.last_status : null,
    lastMessageId: r.last_message_id === null || r.last_message_id === undefined ? null : Number(r.last_message_id),
    createdAt: dateOrNull(r.created_at) as Date,
    updatedAt: dateOrNull(r.updated_at) as Date,
    queueId: Number(r.queue_id),
    workflowId,
  };
}

export function toTick(r: Row): ScheduleTickRecord {
  return {
    scheduleId: Number(r.schedule_id),
    tickAt: dateOrNull(r.tick_at) as Date,
    status: r.status === "skipped" ? "skipped" : "fired",
    messageId: r.message_id === null || r.message_id === undefined ? null : Number(r.message_id),
    firedAt: dateOrNull(r.fired_at) as Date,
  };
}

/** The columns of a schedule row with its target's names (`s`: the schedule, `q` its queue, `w` its workflow). */
export function scheduleSelect(conn: PostgresConnection): string {
  const schedules = conn.t("pgqrs_schedules");
  const queues = conn.t("pgqrs_queues");
  const workflows = conn.t("pgqrs_workflows");
  return `
    SELECT s.id, s.name, s.cron, s.timezone, s.workflow_id, s.queue_id, w.name AS workflow_name,
           q.queue_name, s.input, s.payload, s.overlap, s.catch_up, s.start_at, s.end_at, s.paused, s.next_run_at,
           s.last_run_at, s.last_status, s.last_message_id, s.created_at, s.updated_at
      FROM ${schedules} s JOIN ${queues} q ON q.id = s.queue_id LEFT JOIN ${workflows} w ON w.id = s.workflow_id`;
}

/** The schedule named `name`, or null. */
export async function scheduleByName(db: Queryable, select: string, name: string): Promise<ScheduleRow | null> {
  const [row] = await db.query("getSchedule", `${select} WHERE s.name = $1::text`, [name]);
  return row === undefined ? null : toSchedule(row);
}
