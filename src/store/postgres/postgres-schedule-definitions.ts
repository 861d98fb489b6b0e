/**
 * Schedule definitions on PostgreSQL (see `store/schedule-store.ts`): create, replace, read, count and delete them,
 * and the read of the schedules due.
 */
import { PgqrsError } from "../../errors.js";
import type { CreateScheduleParams, ScheduleDefinition, ScheduleRow, ScheduleStoreOps } from "../schedule-store.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { toSchedule } from "./postgres-schedule-rows.js";

export type ScheduleDefinitionOps = Pick<
  ScheduleStoreOps,
  | "createSchedule"
  | "updateSchedule"
  | "getSchedule"
  | "listSchedules"
  | "countSchedules"
  | "deleteSchedule"
  | "dueSchedules"
>;

export function createScheduleDefinitionOps(conn: PostgresConnection): ScheduleDefinitionOps {
  const schedules = conn.t("pgqrs_schedules");
  const queues = conn.t("pgqrs_queues");
  const workflows = conn.t("pgqrs_workflows");

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
  };
}

function scheduleExists(name: string): PgqrsError {
  return new PgqrsError("SCHEDULE_ALREADY_EXISTS", `Schedule '${name}' already exists`, { details: { name } });
}
