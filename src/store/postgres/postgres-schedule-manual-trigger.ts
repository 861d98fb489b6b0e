/** A schedule triggered now, by hand, on PostgreSQL: one trigger enqueued outside its ticks (no tick row). */
import type { ScheduleStoreOps } from "../schedule-store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import type { ScheduleTriggerInsert } from "./postgres-schedule-trigger-insert.js";

export type ScheduleManualTriggerOps = Pick<ScheduleStoreOps, "triggerScheduleNow">;

/** `insert`: the trigger writes shared with the firing of ticks. */
export function createScheduleManualTriggerOps(
  conn: PostgresConnection,
  { enqueue, notify }: ScheduleTriggerInsert,
): ScheduleManualTriggerOps {
  const schedules = conn.t("pgqrs_schedules");

  return {
    async triggerScheduleNow(p) {
      return conn.transaction("triggerSchedule", async (tx) => {
        // The schedule row locked, as a firing locks it, so the two never interleave their last_* writes.
        const [s] = await tx.query(
          "triggerSchedule",
          `SELECT id, queue_id, workflow_id FROM ${schedules} WHERE name = $1::text FOR UPDATE`,
          [p.name],
        );
        if (s === undefined) return null;
        const target = {
          queueId: Number(s.queue_id),
          workflowId: s.workflow_id === null ? null : Number(s.workflow_id),
        };
        const message = await enqueue(tx, target, p.payload, p.now);
        await tx.query(
          "triggerSchedule",
          `UPDATE ${schedules} SET last_run_at = $2, last_status = 'fired', last_message_id = $3, updated_at = $2
            WHERE id = $1`,
          [s.id, p.now, message.id],
        );
        await notify(tx, target.queueId);
        return message;
      });
    },
  };
}
