/** Dead-letter replay on Turso: SQLite's statement, with Turso's report of the dedup index's refusal recognised. */
import { PgqrsError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type { SqliteConnection } from "../sqlite/sqlite-connection.js";
import * as messageQueries from "../sqlite/sqlite-message-queries.js";
import { isUniqueViolation } from "./turso-errors.js";

/** CONFLICT (nothing written) when an active message of the queue holds the dead letter's dedup key. */
export function replayDeadLetter(
  c: SqliteConnection,
  p: Parameters<typeof messageQueries.replayDeadLetter>[1],
): QueueMessage | null {
  try {
    return messageQueries.replayDeadLetter(c, p);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new PgqrsError(
      "CONFLICT",
      `Conflict: dead letter ${p.id} cannot be replayed: an active message of its queue holds its dedup key`,
      { cause: err, details: { queueId: p.queueId, messageId: p.id } },
    );
  }
}
