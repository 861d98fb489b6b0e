/** Removing queues on PostgreSQL: delete an unused queue, purge one's messages and workers. */
import { ValidationError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { countOf } from "./postgres-rows.js";

export type QueueRemovalOps = Pick<StoreBackend, "deleteQueue" | "purgeQueue">;

/** Deleting and purging queues. */
export function createQueueRemovalOps(conn: PostgresConnection): QueueRemovalOps {
  const queues = conn.t("pgqrs_queues");
  const workers = conn.t("pgqrs_workers");
  const messages = conn.t("pgqrs_messages");
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");

  return {
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
