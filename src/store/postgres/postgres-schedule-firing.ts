/**
 * Firing schedules on PostgreSQL (see `store/schedule-store.ts`): each tick is handled once across processes (the
 * schedule row is locked, and the ticks' primary key decides which firing enqueues a tick), a manual trigger, and
 * the read of a schedule's handled ticks.
 */
import { PgqrsError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type { FireScheduleResult, ScheduleStoreOps, ScheduleTickStatus } from "../schedule-store.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";
import { cols, toMessage } from "./postgres-rows.js";
import { toTick } from "./postgres-schedule-rows.js";

export type ScheduleFiringOps = Pick<ScheduleStoreOps, "fireSchedule" | "triggerScheduleNow" | "listScheduleTicks">;

export function createScheduleFiringOps(conn: PostgresConnection): ScheduleFiringOps {
  const schedules = conn.t("pgqrs_schedules");
  const ticks = conn.t("pgqrs_schedule_ticks");
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const channel = enqueueChannel(conn.schema);

  /** Insert the trigger (message, and the QUEUED run of a workflow schedule); returns the message. */
  async function enqueue(
    db: Queryable,
    s: { queueId: number; workflowId: number | null },
    payload: string,
    now: Date,
  ): Promise<QueueMessage> {
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
  }

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

  async function notify(db: Queryable, queueId: number): Promise<void> {
    await db.query("fireSchedule", "SELECT pg_catalog.pg_notify($1, $2)", [channel, String(queueId)]);
  }

  return {
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

    async triggerScheduleNow(p) {
      return conn.transaction("triggerSchedule", async (tx) => {
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
