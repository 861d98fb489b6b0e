/** A held message's progress (`consumer.updateProgress`), owner-checked as the archive is. */
import type { ProgressParams } from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";

// Fenced by the holder, not by the lease end (as archive and extend are): a consumer whose lease was taken over is
// no longer `consumer_worker_id`, so it cannot overwrite the new holder's progress.
const UPDATE_PROGRESS_SQL = `UPDATE pgqrs_messages SET progress = @progress
  WHERE id = @id AND consumer_worker_id = @workerId AND archived_at IS NULL`;

/** `true` when the message was held by `workerId` and unarchived (and its progress now `progressJson`). */
export function updateProgress(c: SqliteConnection, p: ProgressParams): boolean {
  return c.run(UPDATE_PROGRESS_SQL, { id: p.id, workerId: p.workerId, progress: p.progressJson }) === 1;
}
