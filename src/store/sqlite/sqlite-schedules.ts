/**
 * Schedules on SQLite (see `store/schedule-store.ts`). Every write runs under `BEGIN IMMEDIATE`, so firings of one
 * file (any process) are serialised; the ticks' primary key still decides which one enqueues a tick.
 */
import { PgqrsError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type {
  CreateScheduleParams,
  FireScheduleParams,
  FireScheduleResult,
  ScheduleDefinition,
  ScheduleRow,
  ScheduleTickRecord,
  ScheduleTickStatus,
} from "../schedule-store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { type MessageRow, toMessage } from "./sqlite-rows.js";
import { decodeTime, decodeTimeOrNull, encodeTime, encodeTimeOrNull } from "./sqlite-time.js";

interface ScheduleSqlRow {
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

const INSERT_MESSAGE_SQL = `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt)
VALUES (?, ?, 0, ?, ?) RETURNING *`;

const INSERT_RUN_SQL = `INSERT INTO pgqrs_workflow_runs (workflow_id, message_id, status, input, created_at, updated_at, version)
VALUES (?, ?, 'QUEUED', ?, ?, ?, json_extract(?, '$.version'))`;

function enqueue(
  c: SqliteConnection,
  s: { queue_id: number; workflow_id: number | null },
  payload: string,
  now: string,
): QueueMessage {
  const row = c.get<MessageRow>(INSERT_MESSAGE_SQL, s.queue_id, payload, now, now) as MessageRow;
  if (s.workflow_id !== null) c.run(INSERT_RUN_SQL, s.workflow_id, row.id, payload, now, now, payload);
  return toMessage(row);
}

const BUSY_SQL = `SELECT EXISTS (SELECT 1 FROM pgqrs_messages m WHERE m.id = @id AND m.archived_at IS NULL)
    OR EXISTS (SELECT 1 FROM pgqrs_workflow_runs r WHERE r.message_id = @id
                 AND r.status NOT IN ('SUCCESS', 'ERROR', 'CANCELLED')) AS busy`;

export function fireSchedule(c: SqliteConnection, p: FireScheduleParams): FireScheduleResult {
  const now = encodeTime(p.now);
  return c.immediate((): FireScheduleResult => {
    const s = c.get<{ queue_id: number; workflow_id: number | null; overlap: string; last_message_id: number | null }>(
      `SELECT queue_id, workflow_id, overlap, last_message_id FROM pgqrs_schedules
        WHERE id = ? AND paused = 0 AND next_run_at = ?`,
      p.scheduleId,
      encodeTime(p.expectedNextRunAt),
    );
    if (s === undefined) return { applied: false, ticks: [], queueId: 0 };
    let lastMessageId = s.last_message_id;
    const handled: FireScheduleResult["ticks"] = [];
    for (const tick of p.ticks) {
      const skip =
        s.overlap === "skip" &&
        lastMessageId !== null &&
        c.get<{ busy: number }>(BUSY_SQL, { id: lastMessageId })?.busy === 1;
      const status: ScheduleTickStatus = skip ? "skipped" : "fired";
      const tickAt = encodeTime(tick.tickAt);
      const won = c.run(
        `INSERT INTO pgqrs_schedule_ticks (schedule_id, tick_at, status, fired_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (schedule_id, tick_at) DO NOTHING`,
        p.scheduleId,
        tickAt,
        status,
        now,
      );
      if (won === 0) continue; // handled already
      let messageId: number | null = null;
      if (!skip) {
        messageId = enqueue(c, s, tick.payload, now).id;
        lastMessageId = messageId;
        c.run(
          "UPDATE pgqrs_schedule_ticks SET message_id = ? WHERE schedule_id = ? AND tick_at = ?",
          messageId,
          p.scheduleId,
          tickAt,
        );
      }
      handled.push({ tickAt: tick.tickAt, status, messageId });
    }
    const last = handled.at(-1);
    c.run(
      `UPDATE pgqrs_schedules
          SET next_run_at = ?, updated_at = ?, last_run_at = COALESCE(?, last_run_at),
              last_status = COALESCE(?, last_status), last_message_id = ?
        WHERE id = ?`,
      encodeTimeOrNull(p.nextRunAt),
      now,
      last === undefined ? null : encodeTime(last.tickAt),
      last?.status ?? null,
      lastMessageId,
      p.scheduleId,
    );
    if (p.pruneBefore !== undefined) {
      c.run(
        "DELETE FROM pgqrs_schedule_ticks WHERE schedule_id = ? AND tick_at < ?",
        p.scheduleId,
        encodeTime(p.pruneBefore),
      );
    }
    return { applied: true, ticks: handled, queueId: s.queue_id };
  });
}

export function triggerScheduleNow(
  c: SqliteConnection,
  p: { name: string; payload: string; now: Date },
): QueueMessage | null {
  const now = encodeTime(p.now);
  return c.immediate(() => {
    const s = c.get<{ id: number; queue_id: number; workflow_id: number | null }>(
      "SELECT id, queue_id, workflow_id FROM pgqrs_schedules WHERE name = ?",
      p.name,
    );
    if (s === undefined) return null;
    const message = enqueue(c, s, p.payload, now);
    c.run(
      `UPDATE pgqrs_schedules SET last_run_at = ?, last_status = 'fired', last_message_id = ?, updated_at = ?
        WHERE id = ?`,
      now,
      message.id,
      now,
      s.id,
    );
    return message;
  });
}

export function listScheduleTicks(c: SqliteConnection, p: { scheduleId: number; limit: number }): ScheduleTickRecord[] {
  return c
    .all<{ schedule_id: number; tick_at: string; status: string; message_id: number | null; fired_at: string }>(
      `SELECT schedule_id, tick_at, status, message_id, fired_at FROM pgqrs_schedule_ticks
        WHERE schedule_id = ? ORDER BY tick_at DESC LIMIT ?`,
      p.scheduleId,
      p.limit,
    )
    .map((r) => ({
      scheduleId: r.schedule_id,
      tickAt: decodeTime(r.tick_at),
      status: r.status === "skipped" ? "skipped" : "fired",
      messageId: r.message_id,
      firedAt: decodeTime(r.fired_at),
    }));
}

function json(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

function toSchedule(r: ScheduleSqlRow): ScheduleRow {
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
