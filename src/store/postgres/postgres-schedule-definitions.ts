/**
 * Schedule definitions on PostgreSQL (see `store/schedule-store.ts`): create, replace and delete them (the reads are
 * in postgres-schedule-reads.ts).
 */
import { PgqrsError } from "../../errors.js";
import type { CreateScheduleParams, ScheduleDefinition, ScheduleStoreOps } from "../schedule-store.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { scheduleByName, scheduleSelect } from "./postgres-schedule-rows.js";

export type ScheduleDefinitionOps = Pick<ScheduleStoreOps, "createSchedule" | "updateSchedule" | "deleteSchedule">;

/** The writes of schedule definitions. */
export function createScheduleDefinitionOps(conn: PostgresConnection): ScheduleDefinitionOps {
  const schedules = conn.t("pgqrs_schedules");
  const queues = conn.t("pgqrs_queues");
  const workflows = conn.t("pgqrs_workflows");

  const select = scheduleSelect(conn);

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
        const row = await scheduleByName(tx, select, p.name);
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
        return updated.length === 0 ? null : scheduleByName(tx, select, p.name);
      });
    },

    async deleteSchedule(name) {
      return (
        (await conn.query("deleteSchedule", `DELETE FROM ${schedules} WHERE name = $1::text RETURNING id`, [name]))
          .length > 0
      );
    },
  };
}

function scheduleExists(name: string): PgqrsError {
  return new PgqrsError("SCHEDULE_ALREADY_EXISTS", `Schedule '${name}' already exists`, { details: { name } });
}
