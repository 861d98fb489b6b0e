/**
 * Queue creation on Turso: the SQLite backend's statements, with the duplicate-name case recognised the way Turso
 * reports it (its driver errors carry no SQLite result code; see turso-errors.ts).
 */
import { PgqrsError } from "../../errors.js";
import type { QueueRecord } from "../../types.js";
import type { SqliteConnection } from "../sqlite/sqlite-connection.js";
import * as queues from "../sqlite/sqlite-queues.js";
import { isUniqueViolation } from "./turso-errors.js";

/**
 * SQLite's createQueue. Its transaction has rolled back when a duplicate name surfaces here; reading the existing
 * row afterwards is still race-free, because one Turso file serves one process and this connection runs one call
 * at a time.
 */
export function createQueue(c: SqliteConnection, p: Parameters<typeof queues.createQueue>[1]): QueueRecord {
  try {
    return queues.createQueue(c, p);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = p.ifNotExists === true ? queues.getQueueByName(c, p.name) : null;
    if (existing !== null) return existing;
    throw new PgqrsError("QUEUE_ALREADY_EXISTS", `Queue '${p.name}' already exists`, {
      cause: err,
      details: { name: p.name },
    });
  }
}
