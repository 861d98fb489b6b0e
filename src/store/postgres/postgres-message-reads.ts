/** Message reads and listings on PostgreSQL: by id, by ids, and listed or counted through a state filter. */
import type { ListMessagesParams, StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { DEAD } from "./postgres-message-admin.js";
import { cols, countOf, page, toMessage } from "./postgres-rows.js";

export type MessageReadOps = Pick<StoreBackend, "getMessage" | "getMessages" | "listMessages" | "countMessages">;

type MessageFilter = Omit<ListMessagesParams, "limit" | "offset">;

const STATE_PREDICATES = {
  active: "archived_at IS NULL",
  archived: "archived_at IS NOT NULL",
  dead: DEAD,
  all: "TRUE",
} as const;

/** WHERE clause and values of a listing filter; only constant SQL is interpolated. */
function where(f: MessageFilter): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const parts: string[] = [STATE_PREDICATES[f.state ?? "active"]];
  if (f.queueId !== undefined) {
    values.push(f.queueId);
    parts.push(`queue_id = $${values.length}`);
  }
  if (f.consumerWorkerId !== undefined) {
    values.push(f.consumerWorkerId);
    parts.push(`consumer_worker_id = $${values.length}`);
  }
  return { sql: parts.join(" AND "), values };
}

/** The reads of message rows. */
export function createMessageReadOps(conn: PostgresConnection): MessageReadOps {
  const messages = conn.t("pgqrs_messages");

  return {
    async getMessage(id) {
      const rows = await conn.prepared("message_by_id", `SELECT ${cols.message()} FROM ${messages} WHERE id = $1`, [
        id,
      ]);
      return rows[0] === undefined ? null : toMessage(rows[0]);
    },

    async getMessages(ids) {
      if (ids.length === 0) return [];
      const rows = await conn.prepared(
        "messages_by_ids",
        `SELECT ${cols.message()} FROM ${messages} WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [ids],
      );
      return rows.map(toMessage);
    },

    async listMessages(p) {
      const { sql, values } = where(p);
      const { limit, offset } = page(p);
      const order =
        p.state === "archived" || p.state === "dead" ? "archived_at DESC, id DESC" : "enqueued_at DESC, id DESC";
      const rows = await conn.query(
        "listMessages",
        `SELECT ${cols.message()} FROM ${messages} WHERE ${sql} ORDER BY ${order}
          LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        [...values, limit, offset],
      );
      return rows.map(toMessage);
    },

    async countMessages(p) {
      const { sql, values } = where(p);
      const rows = await conn.query(
        "countMessages",
        `SELECT pg_catalog.count(*) AS n FROM ${messages} WHERE ${sql}`,
        values,
      );
      return countOf(rows);
    },
  };
}
