/** Schedules on PostgreSQL (see `store/schedule-store.ts`): definitions, the due read, and firing ticks once. */
import { PgqrsError } from "../../errors.js";
import type { QueueMessage } from "../../types.js";
import type {
  CreateScheduleParams,
  FireScheduleResult,
  ScheduleDefinition,
  ScheduleRow,
  ScheduleStoreOps,
  ScheduleTickRecord,
  ScheduleTickStatus,
} from "../schedule-store.js";
import type { PostgresConnection, Queryable, Row } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";
import { cols, toMessage } from "./postgres-rows.js";

export function createScheduleOps(conn: PostgresConnection): ScheduleStoreOps {
  const schedules = conn.t("pgqrs_schedules");
  const ticks = conn.t("pgqrs_schedule_ticks");
  const queues = conn.t("pgqrs_queues");
  const workflows = conn.t("pgqrs_workflows");
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const channel = enqueueChannel(conn.schema);

  const select = `
    SELECT s.id, s.name, s.cron, s.timezone, s.workflow_id, s.queue_id, w.name AS workflow_name,
           q.queue_name, s.input, s.payload, s.overlap, s.catch_up, s.start_at, s.end_at, s.paused, s.next_run_at,
           s.last_run_at, s.last_status, s.last_message_id, s.created_at, s.updated_at
      FROM ${schedules} s JOIN ${queues} q ON q.id = s.queue_id LEFT JOIN ${workflows} w ON w.id = s.workflow_id`;

  async function byName(db: Queryable, name: string): Promise<ScheduleRow | null> {
    const [row] = await db.query("getSchedule", `${select} WHERE s.name = $1::text`, [name]);
    return row === undefined ? null : toSchedule(row);
  }

  /** The target's (workflow id, queue id); WORKFLOW_NOT_FOUND / QUEUE_NOT_FOUND. */
  async function target(db: Queryable, d: ScheduleDefinition): Promise<{ workflowId: number | null; queueId: number }> {
    if ("workflow" in d.target) {
      const name = d.target.workflow;
      const [w] = await db.query(
        "schedule target",
        `SELECT id, queue_id FROM ${workflows} WHERE name OPERATOR(pg_catalog.=) $1`,
        [name],
      );
      if (w === undefined) {
        throw new PgqrsError("WORKFLOW_NOT_FOUND", `Workflow '${name}' not found; create it first`, {
          details: { name },
        });
      }
      return { workflowId: Number(w.id), queueId: Number(w.queue_id) };
    }
    const name = d.target.queue;
    const [q] = await db.query(
      "schedule target",
      `SELECT id FROM ${queues} WHERE queue_name OPERATOR(pg_catalog.=) $1`,
      [name],
    );
    if (q === undefined) throw new PgqrsError("QUEUE_NOT_FOUND", `Queue '${name}' not found`, { details: { name } });
    return { workflowId: null, queueId: Number(q.id) };
  }

  function definitionValues(d: ScheduleDefinition, t: { workflowId: number | null; queueId: number }): unknown[] {
    return [
      d.cron,
      d.timezone,
      t.workflowId,
      t.queueId,
      d.input,
      d.payload,
      d.overlap,
      d.catchUp,
      d.startAt,
      d.endAt,
      d.paused,
      d.nextRunAt,
    ];
  }

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
    async createSchedule(p: CreateScheduleParams) {
      return conn.transaction("createSchedule", async (tx) => {
        const t = await target(tx, p);
        const inserted = await tx.query(
          "createSchedule",
          `INSERT INTO ${schedules} (name, cron, timezone, workflow_id, queue_id, input, payload, overlap, catch_up,
                                     start_at, end_at, paused, next_run_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $14)
           ON CONFLICT (name) DO NOTHING RETURNING id`,
          [p.name, ...definitionValues(p, t), p.now],
        );
        if (inserted.length === 0 && p.ifNotExists !== true) throw scheduleExists(p.name);
        const row = await byName(tx, p.name);
        if (row === null) throw new PgqrsError("INTERNAL", "createSchedule: the schedule vanished");
        return row;
      });
    },

    async updateSchedule(p) {
      return conn.transaction("updateSchedule", async (tx) => {
        const t = await target(tx, p.definition);
        const updated = await tx.query(
          "updateSchedule",
          `UPDATE ${schedules}
              SET cron = $2, timezone = $3, workflow_id = $4, queue_id = $5, input = $6::jsonb, payload = $7::jsonb,
                  overlap = $8, catch_up = $9, start_at = $10, end_at = $11, paused = $12, next_run_at = $13,
                  updated_at = $14
            WHERE name = $1::text RETURNING id`,
          [p.name, ...definitionValues(p.definition, t), p.now],
        );
        return updated.length === 0 ? null : byName(tx, p.name);
      });
    },

    getSchedule: (name) => byName(conn, name),

    async listSchedules(p = {}) {
      const rows = await conn.query("listSchedules", `${select} ORDER BY s.name, s.id LIMIT $1 OFFSET $2`, [
        p.limit ?? null,
        p.offset ?? 0,
      ]);
      return rows.map(toSchedule);
    },

    async countSchedules() {
      const [r] = await conn.query(
        "countSchedules",
        `SELECT pg_catalog.count(*) AS total, pg_catalog.count(*) FILTER (WHERE paused) AS paused
           FROM ${conn.t("pgqrs_schedules")}`,
      );
      return { total: Number(r?.total ?? 0), paused: Number(r?.paused ?? 0) };
    },

    async deleteSchedule(name) {
      return (
        (await conn.query("deleteSchedule", `DELETE FROM ${schedules} WHERE name = $1::text RETURNING id`, [name]))
          .length > 0
      );
    },

    async dueSchedules(p) {
      const rows = await conn.query(
        "dueSchedules",
        `${select} WHERE NOT s.paused AND s.next_run_at <= $1 ORDER BY s.next_run_at, s.id LIMIT $2`,
        [p.now, p.limit],
      );
      return rows.map(toSchedule);
    },

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

function scheduleExists(name: string): PgqrsError {
  return new PgqrsError("SCHEDULE_ALREADY_EXISTS", `Schedule '${name}' already exists`, { details: { name } });
}

function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v));
}

function toSchedule(r: Row): ScheduleRow {
  const workflowId = r.workflow_id === null || r.workflow_id === undefined ? null : Number(r.workflow_id);
  return {
    id: Number(r.id),
    name: String(r.name),
    cron: String(r.cron),
    timezone: String(r.timezone),
    workflow: workflowId === null ? null : String(r.workflow_name),
    queue: workflowId === null ? String(r.queue_name) : null,
    input: r.input ?? null,
    payload: r.payload ?? null,
    overlap: r.overlap === "allow" ? "allow" : "skip",
    catchUp: r.catch_up === "none" || r.catch_up === "all" ? r.catch_up : "latest",
    startAt: dateOrNull(r.start_at),
    endAt: dateOrNull(r.end_at),
    paused: r.paused === true,
    nextRunAt: dateOrNull(r.next_run_at),
    lastRunAt: dateOrNull(r.last_run_at),
    lastStatus: r.last_status === "fired" || r.last_status === "skipped" ? r.last_status : null,
    lastMessageId: r.last_message_id === null || r.last_message_id === undefined ? null : Number(r.last_message_id),
    createdAt: dateOrNull(r.created_at) as Date,
    updatedAt: dateOrNull(r.updated_at) as Date,
    queueId: Number(r.queue_id),
    workflowId,
  };
}

function toTick(r: Row): ScheduleTickRecord {
  return {
    scheduleId: Number(r.schedule_id),
    tickAt: dateOrNull(r.tick_at) as Date,
    status: r.status === "skipped" ? "skipped" : "fired",
    messageId: r.message_id === null || r.message_id === undefined ? null : Number(r.message_id),
    firedAt: dateOrNull(r.fired_at) as Date,
  };
}
