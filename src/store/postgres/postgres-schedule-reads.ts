/** Schedule reads on PostgreSQL (see `store/schedule-store.ts`): one by name, listed, counted, and those due. */
import type { ScheduleStoreOps } from "../schedule-store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { scheduleByName, scheduleSelect, toSchedule } from "./postgres-schedule-rows.js";

export type ScheduleReadOps = Pick<
  ScheduleStoreOps,
  "getSchedule" | "listSchedules" | "countSchedules" | "dueSchedules"
>;

/** The reads of schedule rows. */
export function createScheduleReadOps(conn: PostgresConnection): ScheduleReadOps {
  const select = scheduleSelect(conn);

  return {
    getSchedule: (name) => scheduleByName(conn, select, name),

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
