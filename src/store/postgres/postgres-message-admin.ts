/** The administrative writes of messages on PostgreSQL: unconditional delete, dead-lettering and replay. */
import { PgqrsError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { isUniqueViolation } from "./postgres-errors.js";
import { cols, perIdResult, toMessage } from "./postgres-rows.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";

export type MessageAdminOps = Pick<StoreBackend, "deleteMessages" | "deadLetter" | "replayDeadLetter">;

/**
 * Dead: archived by the dead-letter sweep, which sets both columns to one time. pgqrs's `replay_dlq` clears
 * `archived_at` only, so a replayed message is pending again, and once archived it is a plain archived message.
 */
export const DEAD = "archived_at IS NOT NULL AND dead_lettered_at = archived_at";

/** Statuses a run of a dead-lettered message leaves for ERROR (it would otherwise wait forever). */
export const UNFINISHED_RUN = "('QUEUED', 'RUNNING', 'PAUSED', 'CANCELLING')";

/** The administrative writes of message rows. */
export function createMessageAdminOps(conn: PostgresConnection): MessageAdminOps {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");

  return {
    async deleteMessages({ ids }) {
      if (ids.length === 0) return [];
      // Runs reference their trigger message without ON DELETE CASCADE; they (and, by cascade, their steps) are
      // removed in the same statement.
      const rows = await conn.query(
        "deleteMessages",
        `WITH r AS (DELETE FROM ${runs} WHERE message_id = ANY($1::bigint[]))
         DELETE FROM ${messages} WHERE id = ANY($1::bigint[]) RETURNING id`,
        [ids],
      );
      return perIdResult(ids, rows);
    },

    async deadLetter({ queueId, maxReadCt, now }) {
      // One statement, so the dead-lettering and the failure of the messages' workflow runs commit together: a
      // crash can no longer leave a run waiting for a message that will never be delivered again. A message under
      // a live lease is left to its holder; the owner check of archive and the archived_at re-check here (after
      // any row lock wait) keep the two from both archiving it. A failed run with a parent wakes the parent, as
      // any child's end does (postgres-run-wakes.ts).
      // `read_ct >= 2` (implied by `read_ct >= $2` whenever maxReadCt >= 2) is written out as a constant so that
      // the planner can use idx_pgqrs_messages_retried, which holds only retried messages, instead of the backlog.
      const retried = maxReadCt >= 2 ? " AND read_ct >= 2" : "";
      const rows = await conn.query(
        maxReadCt >= 2 ? "deadLetterRetried" : "deadLetter",
        `WITH d AS (
           UPDATE ${messages} SET archived_at = $3, dead_lettered_at = $3
            WHERE ($1::bigint IS NULL OR queue_id = $1) AND archived_at IS NULL AND read_ct >= $2${retried}
              AND (consumer_worker_id IS NULL OR vt <= $3)
           RETURNING id),
         f AS (
           UPDATE ${runs} r
              SET status = 'ERROR', updated_at = $3, completed_at = $3, waiting_for = NULL,
                  error = pg_catalog.jsonb_build_object(
                    'code', 'DEAD_LETTERED',
                    'message', pg_catalog.format(
                      'message %s reached maxReadCt (%s) deliveries and was dead-lettered', d.id, $2::integer))
             FROM d
            WHERE r.message_id = d.id AND r.status::text IN ${UNFINISHED_RUN}
           RETURNING r.id, r.parent_run_id),
         ${wakeRunsCte(conn, { name: "pw", now: "$3", runIds: "ARRAY(SELECT parent_run_id FROM f)", mode: "array" })}
         SELECT 'message' AS kind, id FROM d
         UNION ALL
         SELECT 'run' AS kind, id FROM f
         UNION ALL
         SELECT 'woken' AS kind, ${notifyWoken(conn, "pw", "id")}`,
        [queueId ?? null, maxReadCt, now],
      );
      const ids = (kind: string) =>
        rows
          .filter((r) => r.kind === kind)
          .map((r) => Number(r.id))
          .sort((a, b) => a - b);
      return { ids: ids("message"), failedRuns: ids("run") };
    },

    async replayDeadLetter({ queueId, id, now }) {
      // A replayed message keeps its dedup key. When an unarchived message of the queue already holds that key, the
      // unique index refuses the update (race-free: the index decides, also against an enqueue running at the same
      // moment) and nothing is written: CONFLICT, since two active messages would share the key.
      let rows: Row[];
      try {
        rows = await conn.query(
          "replayDeadLetter",
          `UPDATE ${messages}
              SET archived_at = NULL, dead_lettered_at = NULL, read_ct = 0, vt = $3, enqueued_at = $3,
                  consumer_worker_id = NULL, dequeued_at = NULL
            WHERE id = $2 AND queue_id = $1 AND ${DEAD}
           RETURNING ${cols.message()}`,
          [queueId, id, now],
        );
      } catch (err) {
        if (err instanceof PgqrsError && isUniqueViolation(err.cause, "idx_pgqrs_messages_dedup")) {
          throw new PgqrsError(
            "CONFLICT",
            `Conflict: dead letter ${id} cannot be replayed: an active message of its queue holds its dedup key`,
            { cause: err.cause, details: { queueId, messageId: id } },
          );
        }
        throw err;
      }
      return rows[0] === undefined ? null : toMessage(rows[0]);
    },
  };
}
