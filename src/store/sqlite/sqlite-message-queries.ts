/** Admin-side message operations: reads, listings, unconditional delete, dead letters. */

import { PgqrsError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type { ListMessagesParams } from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { isUniqueViolation } from "./sqlite-errors.js";
import { type MessageRow, pageOf, perIdResult, toMessage, whereClause } from "./sqlite-rows.js";
import { wakeRunMessage } from "./sqlite-run-wake.js";
import { encodeTime } from "./sqlite-time.js";

type MessageFilter = Omit<ListMessagesParams, "limit" | "offset">;

/**
 * Dead: archived by the dead-letter sweep, which sets both columns to one time. pgqrs's `replay_dlq` clears
 * `archived_at` only, so a replayed message is pending again, and once archived it is a plain archived message.
 */
const DEAD = "archived_at IS NOT NULL AND dead_lettered_at = archived_at";

function filterOf(p: MessageFilter): { where: string; params: number[] } {
  const conditions: string[] = [];
  const params: number[] = [];
  const state = p.state ?? "active";
  if (state === "active") conditions.push("archived_at IS NULL");
  else if (state === "archived") conditions.push("archived_at IS NOT NULL");
  else if (state === "dead") conditions.push(DEAD);
  if (p.queueId !== undefined) {
    conditions.push("queue_id = ?");
    params.push(p.queueId);
  }
  if (p.consumerWorkerId !== undefined) {
    conditions.push("consumer_worker_id = ?");
    params.push(p.consumerWorkerId);
  }
  return { where: whereClause(conditions), params };
}

export function getMessage(c: SqliteConnection, id: number): QueueMessage | null {
  const row = c.get<MessageRow>("SELECT * FROM pgqrs_messages WHERE id = ?", id);
  return row === undefined ? null : toMessage(row);
}

export function getMessages(c: SqliteConnection, ids: readonly number[]): QueueMessage[] {
  if (ids.length === 0) return [];
  return c
    .all<MessageRow>(
      "SELECT * FROM pgqrs_messages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
      JSON.stringify(ids),
    )
    .map(toMessage);
}

export function listMessages(c: SqliteConnection, p: ListMessagesParams): QueueMessage[] {
  const { where, params } = filterOf(p);
  const archivedOrder = p.state === "archived" || p.state === "dead";
  const order = archivedOrder ? "archived_at DESC, id DESC" : "enqueued_at DESC, id DESC";
  const [limit, offset] = pageOf(p);
  return c
    .all<MessageRow>(
      `SELECT * FROM pgqrs_messages ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
      ...params,
      limit,
      offset,
    )
    .map(toMessage);
}

export function countMessages(c: SqliteConnection, p: MessageFilter): number {
  const { where, params } = filterOf(p);
  return c.get<{ n: number }>(`SELECT COUNT(*) AS n FROM pgqrs_messages ${where}`, ...params)?.n ?? 0;
}

/** Runs and steps of the deleted messages go with them (ON DELETE CASCADE). */
export function deleteMessages(c: SqliteConnection, p: { ids: readonly number[] }): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(
    "DELETE FROM pgqrs_messages WHERE id IN (SELECT value FROM json_each(?)) RETURNING id",
    JSON.stringify(p.ids),
  );
  return perIdResult(p.ids, rows);
}

/*
 * A live lease (`consumer_worker_id` set and `vt > now`) protects a message from the dead-letter sweep. The runs of
 * the dead-lettered messages fail in the same write transaction: a run must never wait for a message that will not
 * be delivered again.
 */
const DEAD_LETTER_SQL = `UPDATE pgqrs_messages SET archived_at = @now, dead_lettered_at = @now
WHERE (@queueId IS NULL OR queue_id = @queueId) AND archived_at IS NULL AND read_ct >= @maxReadCt
  AND (consumer_worker_id IS NULL OR vt <= @now)
RETURNING id`;
/**
 * The same for `maxReadCt >= 2`: the constant `read_ct >= 2` (implied) lets SQLite use idx_messages_retried, which
 * holds only retried messages, instead of walking the backlog.
 */
const DEAD_LETTER_RETRIED_SQL = DEAD_LETTER_SQL.replace(
  "read_ct >= @maxReadCt",
  "read_ct >= @maxReadCt AND read_ct >= 2",
);

const FAIL_DEAD_RUNS_SQL = `UPDATE pgqrs_workflow_runs
SET status = 'ERROR', updated_at = @now, completed_at = @now,
    error = json_object('code', 'DEAD_LETTERED',
      'message', printf('message %d reached maxReadCt (%d) deliveries and was dead-lettered', message_id, @maxReadCt)),
    waiting_for = NULL
WHERE message_id IN (SELECT value FROM json_each(@ids)) AND status IN ('QUEUED', 'RUNNING', 'PAUSED', 'CANCELLING')
RETURNING id, parent_run_id`;

export function deadLetter(
  c: SqliteConnection,
  p: { queueId?: number; maxReadCt: number; now: Date },
): { ids: number[]; failedRuns: number[] } {
  const now = encodeTime(p.now);
  return c.immediate(() => {
    const ids = c
      .all<{ id: number }>(p.maxReadCt >= 2 ? DEAD_LETTER_RETRIED_SQL : DEAD_LETTER_SQL, {
        now,
        queueId: p.queueId ?? null,
        maxReadCt: p.maxReadCt,
      })
      .map((r) => r.id)
      .sort((a, b) => a - b);
    if (ids.length === 0) return { ids, failedRuns: [] };
    return { ids, failedRuns: failRunsOfDeadMessages(c, ids, now, p.maxReadCt) };
  });
}

/**
 * Inside the caller's write transaction: the unfinished runs of these just dead-lettered messages fail (ERROR,
 * DEAD_LETTERED), waking their parents. Returns the failed run ids, ascending.
 */
export function failRunsOfDeadMessages(
  c: SqliteConnection,
  ids: readonly number[],
  now: string,
  maxReadCt: number,
): number[] {
  const failed = c.all<{ id: number; parent_run_id: number | null }>(FAIL_DEAD_RUNS_SQL, {
    now,
    maxReadCt,
    ids: JSON.stringify(ids),
  });
  // A failed child run wakes the parent waiting on it, as any end of a child does.
  for (const r of failed) if (r.parent_run_id !== null) wakeRunMessage(c, r.parent_run_id, now);
  return failed.map((r) => r.id).sort((a, b) => a - b);
}

/**
 * A replayed message keeps its dedup key. When an unarchived message of the queue already holds that key, the unique
 * index refuses the update (nothing written): CONFLICT, since two active messages would share the key.
 */
export function replayDeadLetter(
  c: SqliteConnection,
  p: { queueId: number; id: number; now: Date },
): QueueMessage | null {
  let row: MessageRow | undefined;
  try {
    row = c.get<MessageRow>(
      `UPDATE pgqrs_messages
       SET archived_at = NULL, dead_lettered_at = NULL, read_ct = 0, vt = @now, enqueued_at = @now,
           consumer_worker_id = NULL, dequeued_at = NULL
       WHERE id = @id AND queue_id = @queueId AND ${DEAD}
       RETURNING *`,
      { now: encodeTime(p.now), id: p.id, queueId: p.queueId },
    );
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new PgqrsError(
      "CONFLICT",
      `Conflict: dead letter ${p.id} cannot be replayed: an active message of its queue holds its dedup key`,
      { cause: err, details: { queueId: p.queueId, messageId: p.id } },
    );
  }
  return row === undefined ? null : toMessage(row);
}
