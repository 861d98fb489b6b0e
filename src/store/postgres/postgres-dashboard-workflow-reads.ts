/** The dashboard's reads of workflows and runs: a page of workflows by name, workflows by id, runs by status. */
import type { WorkflowStatus } from "../../types.js";
import { WORKFLOW_STATUSES } from "../../types.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, countOf, toWorkflow } from "./postgres-rows.js";
import { matches, searchOf } from "./postgres-search.js";

export type DashboardWorkflowReadOps = Pick<
  StoreBackend,
  "listWorkflowsPage" | "getWorkflowsByIds" | "countRunsByStatus"
>;

export function createDashboardWorkflowReadOps(conn: PostgresConnection): DashboardWorkflowReadOps {
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");

  return {
    async listWorkflowsPage({ search, limit, offset }) {
      const rows = await conn.query(
        "listWorkflowsPage",
        `WITH f AS (SELECT ${cols.workflow("w")} FROM ${workflows} w WHERE ${matches("w.name", 1)})
         SELECT n.matching, p.*
           FROM (SELECT pg_catalog.count(*) AS matching FROM f) n
           LEFT JOIN LATERAL (SELECT * FROM f ORDER BY f.name, f.id LIMIT $2::int8 OFFSET $3::int8) p ON true`,
        [searchOf(search), limit, offset],
      );
      return {
        matching: countOf(rows, "matching"),
        rows: rows.filter((r) => r.id !== null && r.id !== undefined).map(toWorkflow),
      };
    },

    async getWorkflowsByIds(ids) {
      if (ids.length === 0) return [];
      const rows = await conn.query(
        "getWorkflowsByIds",
        `SELECT ${cols.workflow()} FROM ${workflows} WHERE id = ANY($1::int8[]) ORDER BY id`,
        [ids],
      );
      return rows.map(toWorkflow);
    },

    async countRunsByStatus({ workflowId }) {
      const rows = await conn.query(
        "countRunsByStatus",
        `SELECT r.status::text AS status, pg_catalog.count(*) AS n FROM ${runs} r
          WHERE ($1::int8 IS NULL OR r.workflow_id = $1::int8) GROUP BY r.status`,
        [workflowId ?? null],
      );
      const counts = Object.fromEntries(WORKFLOW_STATUSES.map((s) => [s, 0])) as Record<WorkflowStatus, number>;
      for (const r of rows) {
        const status = WORKFLOW_STATUSES.find((s) => s === r.status);
        if (status !== undefined) counts[status] = countOf([r]);
      }
      return counts;
    },
  };
}
