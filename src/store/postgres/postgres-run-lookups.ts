/** Workflow runs on PostgreSQL read by id, by trigger message, or as an offset page or count of a filter. */
import type { ListRunsParams, StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, countOf, page, toRun } from "./postgres-rows.js";

export type RunLookupOps = Pick<StoreBackend, "getRun" | "getRunByMessageId" | "listRuns" | "countRuns">;

function runFilter(p: Omit<ListRunsParams, "limit" | "offset">, statusType: string) {
  const values: unknown[] = [];
  const parts = ["TRUE"];
  if (p.workflowId !== undefined) {
    values.push(p.workflowId);
    parts.push(`workflow_id = $${values.length}`);
  }
  if (p.status !== undefined) {
    values.push(p.status);
    parts.push(`status OPERATOR(pg_catalog.=) $${values.length}::${statusType}`);
  }
  return { sql: parts.join(" AND "), values };
}

export function createRunLookupOps(conn: PostgresConnection): RunLookupOps {
  const runs = conn.t("pgqrs_workflow_runs");
  const statusType = `${conn.q}.pgqrs_workflow_status`;

  async function runByMessage(messageId: number) {
    const rows = await conn.prepared("run_by_message", `SELECT ${cols.run()} FROM ${runs} WHERE message_id = $1`, [
      messageId,
    ]);
    return rows[0] === undefined ? null : toRun(rows[0]);
  }

  return {
    async getRun(id) {
      const rows = await conn.prepared("run_by_id", `SELECT ${cols.run()} FROM ${runs} WHERE id = $1`, [id]);
      return rows[0] === undefined ? null : toRun(rows[0]);
    },

    getRunByMessageId: runByMessage,

    async listRuns(p) {
      const { sql, values } = runFilter(p, statusType);
      const { limit, offset } = page(p);
      const rows = await conn.query(
        "listRuns",
        `SELECT ${cols.run()} FROM ${runs} WHERE ${sql} ORDER BY created_at DESC, id DESC
          LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        [...values, limit, offset],
      );
      return rows.map(toRun);
    },

    async countRuns(p) {
      const { sql, values } = runFilter(p, statusType);
      return countOf(
        await conn.query("countRuns", `SELECT pg_catalog.count(*) AS n FROM ${runs} WHERE ${sql}`, values),
      );
    },
  };
}
