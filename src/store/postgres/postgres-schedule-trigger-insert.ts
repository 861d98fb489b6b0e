/**
 * A schedule's trigger on PostgreSQL: the message (and the QUEUED run of a workflow schedule) inserted in the
 * caller's transaction, and the enqueue notification; shared by the firing of ticks (postgres-schedule-firing.ts)
 * and a manual trigger (postgres-schedule-manual-trigger.ts).
 */
import { PgqrsError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";
import { cols, toMessage } from "./postgres-rows.js";

/** The queue a schedule enqueues on and its workflow, if any. */
export interface ScheduleTarget {
  queueId: number;
  workflowId: number | null;
}

/** The trigger writes, run on the caller's transaction `db`. */
export interface ScheduleTriggerInsert {
  /** Insert the trigger (message, and the QUEUED run of a workflow schedule); returns the message. */
  enqueue(db: Queryable, s: ScheduleTarget, payload: string, now: Date): Promise<QueueMessage>;
  /** Notify the queue's listeners of the new message (delivered at the transaction's commit). */
  notify(db: Queryable, queueId: number): Promise<void>;
}

/** The trigger writes; built once per store. */
export function createScheduleTriggerInsert(conn: PostgresConnection): ScheduleTriggerInsert {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const channel = enqueueChannel(conn.schema);

  return {
    async enqueue(db, s, payload, now) {
      const [row] = await db.query(
        "fireSchedule",
        `WITH m AS (
         INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt) VALUES ($1, $2::jsonb, 0, $3, $3)
         RETURNING ${cols.message()}),
       r AS (
         INSERT INTO ${runs} (workflow_id, message_id, status, input, created_at, updated_at, version)
         SELECT $4::bigint, m.id, 'QUEUED', m.payload, $3, $3, (m.payload OPERATOR(pg_catalog.->>) 'version')
           FROM m WHERE $4::bigint IS NOT NULL
         RETURNING id)
       SELECT ${cols.message("m")} FROM m`,
        [s.queueId, payload, now, s.workflowId],
      );
      if (row === undefined) throw new PgqrsError("INTERNAL", "fireSchedule inserted no message");
      return toMessage(row);
    },

    async notify(db, queueId) {
      await db.query("fireSchedule", "SELECT pg_catalog.pg_notify($1, $2)", [channel, String(queueId)]);
    },
  };
}
