/**
 * Firing schedules on PostgreSQL (see `store/schedule-store.ts`): each tick is handled once across processes (the
 * schedule row is locked, and the ticks' primary key decides which firing enqueues a tick), and the read of a
 * schedule's handled ticks; composed with a manual trigger (postgres-schedule-manual-trigger.ts). The trigger's
 * insert and notification are in postgres-schedule-trigger-insert.ts.
 */
import type { FireScheduleResult, ScheduleStoreOps, ScheduleTickStatus } from "../schedule-store.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { createScheduleManualTriggerOps } from "./postgres-schedule-manual-trigger.js";
import { toTick } from "./postgres-schedule-rows.js";
import { createScheduleTriggerInsert } from "./postgres-schedule-trigger-insert.js";

export type ScheduleFiringOps = Pick<ScheduleStoreOps, "fireSchedule" | "triggerScheduleNow" | "listScheduleTicks">;

/** The firing, the manual trigger and the ticks read; the trigger writes are built once, here, and shared. */
export function createScheduleFiringOps(conn: PostgresConnection): ScheduleFiringOps {
  const schedules = conn.t("pgqrs_schedules");
  const ticks = conn.t("pgqrs_schedule_ticks");
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const insert = createScheduleTriggerInsert(conn);
  const { enqueue, notify } = insert;

  /** Whether the last trigger is still pending or its run not finished (an overlap="skip" tick is skipped). */
  async function busy(db: Queryable, messageId: number): Promise<boolean> {
    const [row] = await db.query(
      "fireSchedule",
      `SELECT EXISTS (SELECT 1 FROM ${messages} m WHERE m.id = $1 AND m.archived_at IS NULL)
           OR EXISTS (SELECT 1 FROM ${runs} r WHERE r.message_id = $1
                        AND r.status::text NOT IN ('SUCCESS', 'ERROR', 'CANCELLED')) AS busy`,
      [messageId],
    );
    return row?.busy === true;
  }

  return {
    ...createScheduleManualTriggerOps(conn, insert),

    async fireSchedule(p) {
      return conn.transaction("fireSchedule", async (tx): Promise<FireScheduleResult> => {
        const [s] = await tx.query(
          "fireSchedule",
          `SELECT id, queue_id, workflow_id, overlap, last_message_id FROM ${schedules}
            WHERE id = $1 AND NOT paused AND next_run_at = $2 FOR UPDATE`,
          [p.scheduleId, p.expectedNextRunAt],
        );
        if (s === undefined) return { applied: false, ticks: [], queueId: 0 };
        const target = {
          queueId: Number(s.queue_id),
          workflowId: s.workflow_id === null ? null : Number(s.workflow_id),
        };
        let lastMessageId = s.last_message_id === null ? null : Number(s.last_message_id);
        const handled: FireScheduleResult["ticks"] = [];
        for (const tick of p.ticks) {
          const skip = s.overlap === "skip" && lastMessageId !== null && (await busy(tx, lastMessageId));
          const status: ScheduleTickStatus = skip ? "skipped" : "fired";
          const won = await tx.query(
            "fireSchedule",
            `INSERT INTO ${ticks} (schedule_id, tick_at, status, fired_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (schedule_id, tick_at) DO NOTHING RETURNING tick_at`,
            [p.scheduleId, tick.tickAt, status, p.now],
          );
          if (won.length === 0) continue; // another process handled this tick
          let messageId: number | null = null;
          if (!skip) {
            messageId = (await enqueue(tx, target, tick.payload, p.now)).id;
            lastMessageId = messageId;
            await tx.query(
              "fireSchedule",
              `UPDATE ${ticks} SET message_id = $3 WHERE schedule_id = $1 AND tick_at = $2`,
              [p.scheduleId, tick.tickAt, messageId],
            );
          }
          handled.push({ tickAt: tick.tickAt, status, messageId });
        }
        const last = handled.at(-1);
        await tx.query(
          "fireSchedule",
          `UPDATE ${schedules}
              SET next_run_at = $2, updated_at = $3, last_run_at = COALESCE($4, last_run_at),
                  last_status = COALESCE($5::text, last_status), last_message_id = $6
            WHERE id = $1`,
          [p.scheduleId, p.nextRunAt, p.now, last?.tickAt ?? null, last?.status ?? null, lastMessageId],
        );
        if (p.pruneBefore !== undefined) {
          await tx.query("fireSchedule", `DELETE FROM ${ticks} WHERE schedule_id = $1 AND tick_at < $2`, [
            p.scheduleId,
            p.pruneBefore,
          ]);
        }
        if (handled.some((t) => t.messageId !== null)) await notify(tx, target.queueId);
        return { applied: true, ticks: handled, queueId: target.queueId };
      });
    },

    async listScheduleTicks(p) {
      const rows = await conn.query(
        "listScheduleTicks",
        `SELECT schedule_id, tick_at, status, message_id, fired_at FROM ${ticks}
          WHERE schedule_id = $1 ORDER BY tick_at DESC LIMIT $2`,
        [p.scheduleId, p.limit],
      );
      return rows.map(toTick);
    },
  };
}
