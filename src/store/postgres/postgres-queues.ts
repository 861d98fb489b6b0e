/** Queue rows: create, update their settings, read (deleting and purging: postgres-queue-removal.ts). */
import { PgqrsError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { isUniqueViolation } from "./postgres-errors.js";
import { toQueue } from "./postgres-rows.js";
import {
  createQueueSql,
  queueSettingsValues,
  queueWithSettings,
  updateQueueSettingsSql,
} from "./postgres-queue-settings.js";

export type QueueOps = Pick<
  StoreBackend,
  "createQueue" | "updateQueueSettings" | "getQueueByName" | "getQueueById" | "listQueues"
>;

/** Attempts of `createQueue({ ifNotExists })` whose found queue was deleted before it could be read. */
const CREATE_ATTEMPTS = 5;

/** Creating, updating and reading queue rows. */
export function createQueueOps(conn: PostgresConnection): QueueOps {
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
  };
}

/** QUEUE_ALREADY_EXISTS for `name` (`cause`: the unique violation of a creator that raced another). */
function queueAlreadyExists(name: string, cause?: unknown): PgqrsError<"QUEUE_ALREADY_EXISTS"> {
  return new PgqrsError("QUEUE_ALREADY_EXISTS", `Queue '${name}' already exists`, { cause, details: { name } });
}
