/**
 * Waking a run: its trigger message becomes visible now unless a consumer holds it (then the holder's own
 * suspension sees what woke it, or its lease ends). Shared by the workflow primitives and by run transitions
 * (a child's end wakes its parent).
 */
import type { SqliteConnection } from "./sqlite-connection.js";

/**
 * By the message's id, never filtering on its lease (which is only read in the SET): see run-primitives.ts. A vt
 * already in the past stays where it is, so the message keeps its place among visible ones.
 */
const WAKE_SQL = `UPDATE pgqrs_messages
   SET vt = CASE WHEN consumer_worker_id IS NULL AND vt > @now THEN @now ELSE vt END
 WHERE id = (SELECT message_id FROM pgqrs_workflow_runs WHERE id = @runId) AND archived_at IS NULL`;

/** True when the run and its unarchived message exist (whether or not the message was held). */
export function wakeRunMessage(c: SqliteConnection, runId: number, now: string): boolean {
  return c.run(WAKE_SQL, { runId, now }) === 1;
}

/** The statuses after which a run never executes again. */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(["SUCCESS", "ERROR", "CANCELLED"]);
