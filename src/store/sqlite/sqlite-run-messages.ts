/**
 * Messages to a run (`pgqrs_workflow_messages`) and events of a run (`pgqrs_workflow_events`) on SQLite. Every
 * write is one `BEGIN IMMEDIATE` transaction: SQLite serialises writers, so a check and the write it guards cannot
 * interleave with another connection's.
 */
import { InvalidStateTransitionError, PgqrsError } from "../../errors.js";
import type { WorkflowStatus } from "../../types.js";
import type { RunEventRecord, RunMessageRecord, SendRunMessageParams } from "../run-primitives.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { wakeRunMessage } from "./sqlite-run-wake.js";
import { decodeTime, decodeTimeOrNull, encodeTime } from "./sqlite-time.js";

interface RunMessageRow {
  id: number;
  run_id: number;
  topic: string;
  payload: string | null;
  idempotency_key: string | null;
  sender_run_id: number | null;
  created_at: string;
  consumed_at: string | null;
  consumed_by_step: string | null;
}

interface RunEventRow {
  run_id: number;
  key: string;
  value: string | null;
  created_at: string;
  updated_at: string;
}

function toRunMessage(r: RunMessageRow): RunMessageRecord {
  return {
    id: r.id,
    runId: r.run_id,
    topic: r.topic,
    payload: r.payload === null ? null : JSON.parse(r.payload),
    idempotencyKey: r.idempotency_key,
    senderRunId: r.sender_run_id,
    createdAt: decodeTime(r.created_at),
    consumedAt: decodeTimeOrNull(r.consumed_at),
    consumedByStep: r.consumed_by_step,
  };
}

function toRunEvent(r: RunEventRow): RunEventRecord {
  return {
    runId: r.run_id,
    key: r.key,
    value: r.value === null ? null : JSON.parse(r.value),
    createdAt: decodeTime(r.created_at),
    updatedAt: decodeTime(r.updated_at),
  };
}

/** Statuses a message cannot be sent to: the run will not receive again. */
const NOT_RECEIVING: ReadonlySet<WorkflowStatus> = new Set(["SUCCESS", "ERROR", "CANCELLING", "CANCELLED"]);

function runStatus(c: SqliteConnection, runId: number): WorkflowStatus | undefined {
  return c.get<{ status: WorkflowStatus }>("SELECT status FROM pgqrs_workflow_runs WHERE id = ?", runId)?.status;
}

function runNotFound(runId: number): PgqrsError {
  return new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${runId}' not found`, { details: { runId } });
}

export function sendRunMessage(
  c: SqliteConnection,
  p: SendRunMessageParams,
): { message: RunMessageRecord; created: boolean } {
  const now = encodeTime(p.now);
  return c.immediate(() => {
    const status = runStatus(c, p.runId);
    if (status === undefined) throw runNotFound(p.runId);
    if (p.idempotencyKey !== null) {
      const sent = c.get<RunMessageRow>(
        "SELECT * FROM pgqrs_workflow_messages WHERE run_id = ? AND idempotency_key = ?",
        p.runId,
        p.idempotencyKey,
      );
      if (sent !== undefined) return { message: toRunMessage(sent), created: false };
    }
    if (NOT_RECEIVING.has(status)) {
      throw new InvalidStateTransitionError(status, "message", `Run ${p.runId} is ${status}; it receives no messages`);
    }
    const row = c.get<RunMessageRow>(
      `INSERT INTO pgqrs_workflow_messages (run_id, topic, payload, idempotency_key, sender_run_id, created_at)
       VALUES (@runId, @topic, @payload, @key, @sender, @now) RETURNING *`,
      { runId: p.runId, topic: p.topic, payload: p.payload, key: p.idempotencyKey, sender: p.senderRunId, now },
    )!;
    wakeRunMessage(c, p.runId, now);
    return { message: toRunMessage(row), created: true };
  });
}

/** The oldest pending message of (run, topic), by idx_workflow_messages_pending. */
const OLDEST_PENDING_SQL = `SELECT id FROM pgqrs_workflow_messages
 WHERE run_id = @runId AND topic = @topic AND consumed_at IS NULL ORDER BY id LIMIT 1`;

export function receiveRunMessage(
  c: SqliteConnection,
  p: { runId: number; topic: string; stepName: string; now: Date },
): RunMessageRecord | null {
  const now = encodeTime(p.now);
  return c.immediate(() => {
    const oldest = c.get<{ id: number }>(OLDEST_PENDING_SQL, { runId: p.runId, topic: p.topic });
    if (oldest === undefined) return null;
    const row = c.get<RunMessageRow>(
      `UPDATE pgqrs_workflow_messages SET consumed_at = @now, consumed_by_step = @step
        WHERE id = @id RETURNING *`,
      { now, step: p.stepName, id: oldest.id },
    )!;
    // The payload's own text, so the step's output holds exactly what was sent.
    const output = `{"messageId":${row.id},"payload":${row.payload ?? "null"}}`;
    c.run(
      `UPDATE pgqrs_workflow_steps
          SET status = 'SUCCESS', output = @output, completed_at = @now, updated_at = @now, retry_at = NULL
        WHERE run_id = @runId AND step_name = @step`,
      { output, now, runId: p.runId, step: p.stepName },
    );
    return toRunMessage(row);
  });
}

export function listRunMessages(c: SqliteConnection, p: { runId: number }): RunMessageRecord[] {
  return c
    .all<RunMessageRow>("SELECT * FROM pgqrs_workflow_messages WHERE run_id = ? ORDER BY id", p.runId)
    .map(toRunMessage);
}

const UPSERT_EVENT_SQL = `INSERT INTO pgqrs_workflow_events (run_id, key, value, created_at, updated_at)
VALUES (@runId, @key, @value, @now, @now)
ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
RETURNING *`;

/** The run, when it is PAUSED waiting for an event (its suspension's `wakeIf` then sees the event set). */
function waitsForEvent(c: SqliteConnection, runId: number): boolean {
  const row = c.get<{ waits: number }>(
    `SELECT status = 'PAUSED' AND json_extract(waiting_for, '$.kind') = 'event' AS waits
       FROM pgqrs_workflow_runs WHERE id = ?`,
    runId,
  );
  return row?.waits === 1;
}

/** Upsert, then wake the run if it waits for an event; RUN_NOT_FOUND (nothing written) for an unknown run. */
export function setRunEvent(
  c: SqliteConnection,
  p: { runId: number; key: string; value: string; now: Date },
): RunEventRecord {
  const now = encodeTime(p.now);
  return c.immediate(() => {
    if (runStatus(c, p.runId) === undefined) throw runNotFound(p.runId);
    const row = c.get<RunEventRow>(UPSERT_EVENT_SQL, { runId: p.runId, key: p.key, value: p.value, now })!;
    if (waitsForEvent(c, p.runId)) wakeRunMessage(c, p.runId, now);
    return toRunEvent(row);
  });
}

export function getRunEvent(
  c: SqliteConnection,
  p: { runId: number; key: string },
): { runExists: boolean; event: RunEventRecord | null } {
  const row = c.get<RunEventRow & { run_exists: number }>(
    `SELECT r.id IS NOT NULL AS run_exists, e.*
       FROM (SELECT @runId AS run_id) q
       LEFT JOIN pgqrs_workflow_runs r ON r.id = q.run_id
       LEFT JOIN pgqrs_workflow_events e ON e.run_id = q.run_id AND e.key = @key`,
    { runId: p.runId, key: p.key },
  )!;
  return { runExists: row.run_exists === 1, event: row.key === null ? null : toRunEvent(row) };
}

export function listRunEvents(c: SqliteConnection, p: { runId: number }): RunEventRecord[] {
  return c
    .all<RunEventRow>("SELECT * FROM pgqrs_workflow_events WHERE run_id = ? ORDER BY key", p.runId)
    .map(toRunEvent);
}
