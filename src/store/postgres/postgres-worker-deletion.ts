/** Deleting a worker row on PostgreSQL, refused while messages reference it, and the count of those references. */
import { ValidationError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { countOf } from "./postgres-rows.js";

export type WorkerDeletionOps = Pick<StoreBackend, "countWorkerReferences" | "deleteWorker">;

/** The deletion of worker rows and its reference count. */
export function createWorkerDeletionOps(conn: PostgresConnection): WorkerDeletionOps {
  const workers = conn.t("pgqrs_workers");
  const messages = conn.t("pgqrs_messages");

  return {
    async countWorkerReferences(id) {
      return countOf(await conn.query("countWorkerReferences", referencesSql(messages), [id]));
    },

    async deleteWorker(id) {
      return conn.transaction("deleteWorker", async (tx) => {
        // Locking the worker row blocks message inserts that would reference it (their foreign-key check takes a
        // KEY SHARE lock on it) between the reference count and the delete.
        const found = await tx.query("deleteWorker", `SELECT id FROM ${workers} WHERE id = $1 FOR UPDATE`, [id]);
        if (found.length === 0) return 0;
        const refs = countOf(await tx.query("deleteWorker", referencesSql(messages), [id]));
        if (refs > 0) {
          throw new ValidationError(`Worker has ${refs} references (associated messages/archives)`, {
            workerId: id,
            references: refs,
          });
        }
        const deleted = await tx.query("deleteWorker", `DELETE FROM ${workers} WHERE id = $1 RETURNING id`, [id]);
        return deleted.length;
      });
    },
  };
}

/** Messages (any state) produced or consumed by worker `$1`; two index probes rather than one OR scan. */
function referencesSql(messages: string): string {
  return `SELECT (SELECT pg_catalog.count(*) FROM ${messages} WHERE producer_worker_id = $1)
               + (SELECT pg_catalog.count(*) FROM ${messages} WHERE consumer_worker_id = $1 AND producer_worker_id IS DISTINCT FROM $1)
               AS n`;
}
