/** A held message's progress (`consumer.updateProgress`), owner-checked as the archive is. */
import type { MessageStoreOps } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";

export function createMessageProgressOps(conn: PostgresConnection): Pick<MessageStoreOps, "updateProgress"> {
  // Fenced by the holder, not by the lease end (as archive and extend are): a consumer whose lease was taken over
  // is no longer `consumer_worker_id`, so it cannot overwrite the new holder's progress. The row lock serialises it
  // with a concurrent claim: whichever commits second sees the other's row.
  const updateProgressSql = `
    UPDATE ${conn.t("pgqrs_messages")} SET progress = $3::jsonb
     WHERE id = $1 AND consumer_worker_id = $2 AND archived_at IS NULL
    RETURNING id`;
  return {
    async updateProgress(p) {
      const rows = await conn.prepared("update_progress", updateProgressSql, [p.id, p.workerId, p.progressJson]);
      return rows.length === 1;
    },
  };
}
