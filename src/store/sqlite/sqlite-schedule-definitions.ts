/**
 * Schedule definitions on SQLite (see `store/schedule-store.ts`): create, replace, read, count and delete them, and
 * the read of the schedules due. Writes run under `BEGIN IMMEDIATE`.
 */
import { PgqrsError } from "../../errors.js";
import type { CreateScheduleParams, ScheduleDefinition, ScheduleRow } from "../schedule-store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { type ScheduleSqlRow, toSchedule } from "./sqlite-schedule-rows.js";
import { encodeTime, encodeTimeOrNull } from "./sqlite-time.js";

const SELECT = `SELECT s.*, w.name AS workflow_name, q.queue_name
  FROM pgqrs_schedules s JOIN pgqrs_queues q ON q.id = s.queue_id LEFT JOIN pgqrs_workflows w ON w.id = s.workflow_id`;

function byName(c: SqliteConnection, name: string): ScheduleRow | null {
  const row = c.get<ScheduleSqlRow>(`${SELECT} WHERE s.name = ?`, name);
  return row === undefined ? null : toSchedule(row);
}

function target(c: SqliteConnection, d: ScheduleDefinition): { workflowId: number | null; queueId: number } {
  if ("workflow" in d.target) {
    const name = d.target.workflow;
    const w = c.get<{ id: number; queue_id: number }>("SELECT id, queue_id FROM pgqrs_workflows WHERE name = ?", name);
    if (w === undefined) {
      throw new PgqrsError("WORKFLOW_NOT_FOUND", `Workflow '${name}' not found; create it first`, {
        details: { name },
      });
    }
    return { workflowId: w.id, queueId: w.queue_id };
  }
  const name = d.target.queue;
  const q = c.get<{ id: number }>("SELECT id FROM pgqrs_queues WHERE queue_name = ?", name);
  if (q === undefined) throw new PgqrsError("QUEUE_NOT_FOUND", `Queue '${name}' not found`, { details: { name } });
  return { workflowId: null, queueId: q.id };
}

function definitionParams(d: ScheduleDefinition, t: { workflowId: number | null; queueId: number }) {
  return {
    cron: d.cron,
    timezone: d.timezone,
    workflowId: t.workflowId,
    queueId: t.queueId,
    input: d.input,
    payload: d.payload,
    overlap: d.overlap,
    catchUp: d.catchUp,
    startAt: encodeTimeOrNull(d.startAt),
    endAt: encodeTimeOrNull(d.endAt),
    paused: d.paused ? 1 : 0,
    nextRunAt: encodeTimeOrNull(d.nextRunAt),
  };
}

export function createSchedule(c: SqliteConnection, p: CreateScheduleParams): ScheduleRow {
  return c.immediate(() => {
    const t = target(c, p);
    const inserted = c.run(
      `INSERT INTO pgqrs_schedules (name, cron, timezone, workflow_id, queue_id, input, payload, overlap, catch_up,
                                    start_at, end_at, paused, next_run_at, created_at, updated_at)
       VALUES (@name, @cron, @timezone, @workflowId, @queueId, @input, @payload, @overlap, @catchUp, @startAt, @endAt,
               @paused, @nextRunAt, @now, @now)
       ON CONFLICT (name) DO NOTHING`,
      { name: p.name, ...definitionParams(p, t), now: encodeTime(p.now) },
    );
    if (inserted === 0 && p.ifNotExists !== true) {
      throw new PgqrsError("SCHEDULE_ALREADY_EXISTS", `Schedule '${p.name}' already exists`, {
        details: { name: p.name },
      });
    }
    return byName(c, p.name) as ScheduleRow;
  });
}

export function updateSchedule(
  c: SqliteConnection,
  p: { name: string; definition: ScheduleDefinition; now: Date },
): ScheduleRow | null {
  return c.immediate(() => {
    const t = target(c, p.definition);
    const changed = c.run(
      `UPDATE pgqrs_schedules
          SET cron = @cron, timezone = @timezone, workflow_id = @workflowId, queue_id = @queueId, input = @input,
              payload = @payload, overlap = @overlap, catch_up = @catchUp, start_at = @startAt, end_at = @endAt,
              paused = @paused, next_run_at = @nextRunAt, updated_at = @now
        WHERE name = @name`,
      { name: p.name, ...definitionParams(p.definition, t), now: encodeTime(p.now) },
    );
    return changed === 0 ? null : byName(c, p.name);
  });
}

export function getSchedule(c: SqliteConnection, name: string): ScheduleRow | null {
  return byName(c, name);
}

export function listSchedules(c: SqliteConnection, p: { limit?: number; offset?: number } = {}): ScheduleRow[] {
  return c
    .all<ScheduleSqlRow>(`${SELECT} ORDER BY s.name, s.id LIMIT ? OFFSET ?`, p.limit ?? -1, p.offset ?? 0)
    .map(toSchedule);
}

export function countSchedules(c: SqliteConnection): { total: number; paused: number } {
  const r = c.get<{ total: number; paused: number | null }>(
    "SELECT count(*) AS total, sum(paused) AS paused FROM pgqrs_schedules",
  );
  return { total: r?.total ?? 0, paused: r?.paused ?? 0 };
}

export function deleteSchedule(c: SqliteConnection, name: string): boolean {
  return c.run("DELETE FROM pgqrs_schedules WHERE name = ?", name) > 0;
}

export function dueSchedules(c: SqliteConnection, p: { now: Date; limit: number }): ScheduleRow[] {
  return c
    .all<ScheduleSqlRow>(
      `${SELECT} WHERE s.paused = 0 AND s.next_run_at IS NOT NULL AND s.next_run_at <= ?
        ORDER BY s.next_run_at, s.id LIMIT ?`,
      encodeTime(p.now),
      p.limit,
    )
    .map(toSchedule);
}
