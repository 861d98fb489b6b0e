/** Queue rows: create, look up, delete, purge. */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { QueueSettingsOptions } from "../../queue-controls-types.js";
import type { QueueRecord } from "../../types.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { isUniqueViolation } from "./sqlite-errors.js";
import { insertSettings, readQueue } from "./sqlite-queue-settings.js";
import { QUEUE_COLUMNS, QUEUE_FROM, type QueueRow, toQueue } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

/**
 * The queue and its settings in one transaction. A duplicate name is QUEUE_ALREADY_EXISTS, or with `ifNotExists`
 * the existing queue (its settings unchanged); the write lock makes that race-free across processes.
 */
export function createQueue(
  c: SqliteConnection,
  p: { name: string; now: Date; settings?: QueueSettingsOptions; ifNotExists?: boolean },
): QueueRecord {
  return c.immediate(() => {
    let row: QueueRow | undefined;
    try {
      row = c.get<QueueRow>(
        "INSERT INTO pgqrs_queues (queue_name, created_at) VALUES (?, ?) RETURNING id, queue_name, created_at",
        p.name,
        encodeTime(p.now),
      );
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const existing = p.ifNotExists === true ? getQueueByName(c, p.name) : null;
      if (existing !== null) return existing;
      throw new PgqrsError("QUEUE_ALREADY_EXISTS", `Queue '${p.name}' already exists`, {
        cause: err,
        details: { name: p.name },
      });
    }
    if (p.settings === undefined) return toQueue(row!);
    insertSettings(c, row!.id, p.settings, p.now);
    return readQueue(c, row!.id)!;
  });
}

export function getQueueByName(c: SqliteConnection, name: string): QueueRecord | null {
  const row = c.get<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} WHERE q.queue_name = ?`, name);
  return row === undefined ? null : toQueue(row);
}

export function getQueueById(c: SqliteConnection, id: number): QueueRecord | null {
  return readQueue(c, id);
}

/** pgqrs's order: newest first. */
export function listQueues(c: SqliteConnection): QueueRecord[] {
  return c
    .all<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} ORDER BY q.created_at DESC, q.id DESC`)
    .map(toQueue);
}

/** Every message row of the queue; split so that each half is answered by one of the partial indexes. */
function countQueueMessages(c: SqliteConnection, queueId: number): number {
  const row = c.get<{ n: number }>(
    `SELECT (SELECT COUNT(*) FROM pgqrs_messages WHERE queue_id = @queueId AND archived_at IS NULL)
          + (SELECT COUNT(*) FROM pgqrs_messages WHERE queue_id = @queueId AND archived_at IS NOT NULL) AS n`,
    { queueId },
  );
  return row?.n ?? 0;
}

export function deleteQueue(c: SqliteConnection, p: { queueId: number; queueName: string }): void {
  // IMMEDIATE: the checks and the deletes must see the same rows even if another process enqueues meanwhile.
  c.immediate(() => {
    const workers = c.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM pgqrs_workers WHERE queue_id = ? AND status <> 'stopped'",
      p.queueId,
    );
    const activeWorkers = workers?.n ?? 0;
    if (activeWorkers > 0) {
      throw new ValidationError(
        `Cannot delete queue '${p.queueName}': ${activeWorkers} worker(s) are still assigned to this queue. Delete workers first.`,
      );
    }
    const messages = countQueueMessages(c, p.queueId);
    if (messages > 0) {
      throw new ValidationError(
        `Cannot delete queue '${p.queueName}': ${messages} references exist in messages table. Purge data first.`,
      );
    }
    // Runs cascade from their workflow, steps from their runs.
    c.run("DELETE FROM pgqrs_workflows WHERE queue_id = ?", p.queueId);
    c.run("DELETE FROM pgqrs_workers WHERE queue_id = ?", p.queueId);
    c.run("DELETE FROM pgqrs_queues WHERE id = ?", p.queueId);
  });
}

export function purgeQueue(c: SqliteConnection, p: { queueId: number }): void {
  c.immediate(() => {
    // Runs cascade from their trigger message, steps from their runs.
    c.run("DELETE FROM pgqrs_messages WHERE queue_id = ?", p.queueId);
    c.run("DELETE FROM pgqrs_workers WHERE queue_id = ?", p.queueId);
  });
}
