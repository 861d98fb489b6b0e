/** Queue rows: create, read, delete and purge. */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { isUniqueViolation } from "./postgres-errors.js";
import { countOf, toQueue } from "./postgres-rows.js";
import {
  createQueueSql,
  queueSettingsValues,
  queueWithSettings,
  updateQueueSettingsSql,
} from "./postgres-queue-settings.js";

export type QueueOps = Pick<
  StoreBackend,
  | "createQueue"
  | "updateQueueSettings"
  | "getQueueByName"
  | "getQueueById"
  | "listQueues"
  | "deleteQueue"
  | "purgeQueue"
>;

/** Attempts of `createQueue({ ifNotExists })` whose found queue was deleted before it could be read. */
const CREATE_ATTEMPTS = 5;

export function createQueueOps(conn: PostgresConnection): QueueOps {
  const queues = conn.t("pgqrs_queues");
  const workers = conn.t("pgqrs_workers");
  const messages = conn.t("pgqrs_messages");
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");

  return {
    async createQueue({ name, now, settings, ifNotExists }) {
      const values = [name, now, ...queueSettingsValues(settings ?? {}).values];
      try {
        for (let attempt = 1; ; attempt++) {
          // One statement: the queue and its settings commit together. With `ifNotExists` a concurrent creator's
          // row makes ON CONFLICT DO NOTHING return nothing (after waiting for that creator's commit), and the
          // queue is read instead; a read that finds nothing (deleted in between) tries again.
          const rows = await conn.query("createQueue", createQueueSql(conn, ifNotExists === true), values);
          if (rows[0] !== undefined) return toQueue(rows[0]);
          // The name is taken: the statement inserted nothing (and drew no id).
          if (ifNotExists !== true) throw queueAlreadyExists(name);
          const [found] = await conn.query(
            "createQueue",
            `${queueWithSettings(conn)} WHERE q.queue_name OPERATOR(pg_catalog.=) $1`,
            [name],
          );
          if (found !== undefined) return toQueue(found);
          if (attempt >= CREATE_ATTEMPTS) {
            throw new PgqrsError("CONFLICT", `Conflict: queue '${name}' kept changing while creating it; retry`, {
              details: { queueName: name },
            });
          }
        }
      } catch (err) {
        if (err instanceof PgqrsError && isUniqueViolation(err.cause)) throw queueAlreadyExists(name, err.cause);
        throw err;
      }
    },

    async updateQueueSettings({ queueId, settings, now }) {
      const rows = await conn.query("updateQueueSettings", updateQueueSettingsSql(conn), [
        queueId,
        now,
        ...queueSettingsValues(settings).values,
        ...queueSettingsValues(settings).given,
      ]);
      return rows[0] === undefined ? null : toQueue(rows[0]);
    },

    async getQueueByName(name) {
      const rows = await conn.prepared(
        "queue_by_name",
        `${queueWithSettings(conn)} WHERE q.queue_name OPERATOR(pg_catalog.=) $1`,
        [name],
      );
      return rows[0] === undefined ? null : toQueue(rows[0]);
    },

    async getQueueById(id) {
      const rows = await conn.prepared("queue_by_id", `${queueWithSettings(conn)} WHERE q.id = $1`, [id]);
      return rows[0] === undefined ? null : toQueue(rows[0]);
    },

    async listQueues() {
      const rows = await conn.query("listQueues", `${queueWithSettings(conn)} ORDER BY q.created_at DESC, q.id DESC`);
      return rows.map(toQueue);
    },

    async deleteQueue({ queueId, queueName }) {
      await conn.transaction("deleteQueue", async (tx) => {
        // Lock the queue row first: inserts of messages, workers or workflows referencing it take a KEY SHARE lock
        // on it for their foreign key, so none can slip in between the checks below and the delete.
        const found = await tx.query("deleteQueue", `SELECT id FROM ${queues} WHERE id = $1 FOR UPDATE`, [queueId]);
        if (found.length === 0) return;
        const busy = await tx.query(
          "deleteQueue",
          `SELECT pg_catalog.count(*) AS n FROM ${workers} WHERE queue_id = $1 AND status OPERATOR(pg_catalog.<>) 'stopped'`,
          [queueId],
        );
        const busyWorkers = countOf(busy);
        if (busyWorkers > 0) {
          throw new ValidationError(
            `Cannot delete queue '${queueName}': ${busyWorkers} worker(s) are still assigned to this queue. Delete workers first.`,
            { queueName, workers: busyWorkers },
          );
        }
        const refs = await tx.query(
          "deleteQueue",
          `SELECT pg_catalog.count(*) AS n FROM ${messages} WHERE queue_id = $1`,
          [queueId],
        );
        const messageRefs = countOf(refs);
        if (messageRefs > 0) {
          throw new ValidationError(
            `Cannot delete queue '${queueName}': ${messageRefs} references exist in messages table. Purge data first.`,
            { queueName, messages: messageRefs },
          );
        }
        // Runs reference messages, so none are left once the queue has no messages; steps cascade from runs.
        await tx.query(
          "deleteQueue",
          `DELETE FROM ${runs} WHERE workflow_id IN (SELECT id FROM ${workflows} WHERE queue_id = $1)`,
          [queueId],
        );
        await tx.query("deleteQueue", `DELETE FROM ${workflows} WHERE queue_id = $1`, [queueId]);
        await tx.query("deleteQueue", `DELETE FROM ${workers} WHERE queue_id = $1`, [queueId]);
        await tx.query("deleteQueue", `DELETE FROM ${queues} WHERE id = $1`, [queueId]);
      });
    },

    async purgeQueue({ queueId }) {
      await conn.transaction("purgeQueue", async (tx) => {
        // Runs reference their trigger message without ON DELETE CASCADE (pgqrs's schema); steps cascade from runs.
        await tx.query(
          "purgeQueue",
          `DELETE FROM ${runs} WHERE message_id IN (SELECT id FROM ${messages} WHERE queue_id = $1)`,
          [queueId],
        );
        await tx.query("purgeQueue", `DELETE FROM ${messages} WHERE queue_id = $1`, [queueId]);
        await tx.query("purgeQueue", `DELETE FROM ${workers} WHERE queue_id = $1`, [queueId]);
      });
    },
  };
}

/** QUEUE_ALREADY_EXISTS for `name` (`cause`: the unique violation of a creator that raced another). */
function queueAlreadyExists(name: string, cause?: unknown): PgqrsError<"QUEUE_ALREADY_EXISTS"> {
  return new PgqrsError("QUEUE_ALREADY_EXISTS", `Queue '${name}' already exists`, { cause, details: { name } });
}
