/** Queue rows: create, look up, delete, purge. */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { QueueRecord } from "../../types.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { isUniqueViolation } from "./sqlite-errors.js";
import { type QueueRow, toQueue } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

export function createQueue(c: SqliteConnection, p: { name: string; now: Date }): QueueRecord {
  try {
    const row = c.get<QueueRow>(
      "INSERT INTO pgqrs_queues (queue_name, created_at) VALUES (?, ?) RETURNING *",
      p.name,
      encodeTime(p.now),
    );
    return toQueue(row!);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new PgqrsError("QUEUE_ALREADY_EXISTS", `Queue '${p.name}' already exists`, {
        cause: err,
        details: { name: p.name },
      });
    }
    throw err;
  }
}

export function getQueueByName(c: SqliteConnection, name: string): QueueRecord | null {
  const row = c.get<QueueRow>("SELECT * FROM pgqrs_queues WHERE queue_name = ?", name);
  return row === undefined ? null : toQueue(row);
}

export function getQueueById(c: SqliteConnection, id: number): QueueRecord | null {
  const row = c.get<QueueRow>("SELECT * FROM pgqrs_queues WHERE id = ?", id);
  return row === undefined ? null : toQueue(row);
}

/** pgqrs's order: newest first. */
export function listQueues(c: SqliteConnection): QueueRecord[] {
  return c.all<QueueRow>("SELECT * FROM pgqrs_queues ORDER BY created_at DESC, id DESC").map(toQueue);
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
