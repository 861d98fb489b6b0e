/**
 * Firing schedules on SQLite (see `store/schedule-store.ts`): every firing runs under `BEGIN IMMEDIATE`, so firings
 * of one file (any process) are serialised; the ticks' primary key still decides which one enqueues a tick. Also a
 * manual trigger, and the read of a schedule's handled ticks.
 */
import type { QueueMessage } from "../../types.js";
import type {
  FireScheduleParams,
  FireScheduleResult,
  ScheduleTickRecord,
  ScheduleTickStatus,
} from "../schedule-store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { type MessageRow, toMessage } from "./sqlite-rows.js";
import { decodeTime, encodeTime, encodeTimeOrNull } from "./sqlite-time.js";

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
