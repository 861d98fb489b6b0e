/**
 * Run queries on PostgreSQL (store/run-queries.ts): one keyset page of runs, newest first. The statement walks
 * `idx_pgqrs_workflow_runs_created` (created_at, id), or for one workflow `…_workflow_created` (workflow_id,
 * created_at, id), or for one status `…_status_created` (status, created_at, id), backwards from the page key, and
 * stops after `limit` rows; the other filters are checked on the walk. Sent as an unnamed statement, so each page is
 * planned with its own values (a generic plan cannot weigh a rare status against a common one).
 */
import { ValidationError } from "../../errors.js";
import type { ListRunsPageParams, RunPageRow, RunQueryFilter, RunQueryOps } from "../run-queries.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, toRun } from "./postgres-rows.js";

/** A filter's condition on runs `r`, binding its values through `bind` (which returns the `$n` placeholder). */
type FilterClause = (p: RunQueryFilter, bind: (value: unknown) => string, statusType: string) => string | null;

/** One entry per filter of {@link RunQueryFilter}; a new filter is one more entry. */
const FILTER_CLAUSES: readonly FilterClause[] = [
  (p, bind) => (p.workflowId === undefined ? null : `r.workflow_id = ${bind(p.workflowId)}`),
  (p, bind, statusType) =>
    p.status === undefined ? null : `r.status OPERATOR(pg_catalog.=) ${bind(p.status)}::${statusType}`,
  (p, bind) => (p.since === undefined ? null : `r.created_at >= ${bind(p.since)}::timestamptz`),
  (p, bind) => (p.until === undefined ? null : `r.created_at < ${bind(p.until)}::timestamptz`),
  // Walks the partial idx_pgqrs_workflow_runs_version_created (version, created_at, id) WHERE version IS NOT NULL.
  (p, bind) =>
    p.version === undefined
      ? null
      : `r.version IS NOT NULL AND r.version OPERATOR(pg_catalog.=) ${bind(p.version)}::text`,
];

/** The page key's `at`: created_at in UTC with all six fractional digits, which `::timestamptz` reads back exactly. */
const KEY_AT = `pg_catalog.to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const KEY_AT_FORM = /^\d{4,5}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** @internal The statement of one page (exported for the query-plan test, which EXPLAINs it). */
export function listRunsPageStatement(
  conn: PostgresConnection,
  p: ListRunsPageParams,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const bind = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const statusType = `${conn.q}.pgqrs_workflow_status`;
  const conditions = FILTER_CLAUSES.map((clause) => clause(p, bind, statusType)).filter((c) => c !== null);
  if (p.after !== undefined) {
    if (!KEY_AT_FORM.test(p.after.at)) {
      throw new ValidationError(`cursor is not one listRuns returned (bad time '${p.after.at}')`, {
        argument: "cursor",
      });
    }
    conditions.push(`(r.created_at, r.id) < (${bind(p.after.at)}::timestamptz, ${bind(p.after.id)}::bigint)`);
  }
  const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
  const text = `
    SELECT ${cols.run("r")}, w.name AS workflow_name, ${KEY_AT} AS page_at
      FROM ${conn.t("pgqrs_workflow_runs")} r
      LEFT JOIN ${conn.t("pgqrs_workflows")} w ON w.id = r.workflow_id
     ${where}
     ORDER BY r.created_at DESC, r.id DESC
     LIMIT ${bind(p.limit)}`;
  return { text, values };
}

export function createRunQueryOps(conn: PostgresConnection): RunQueryOps {
  return {
    async listRunsPage(p) {
      const { text, values } = listRunsPageStatement(conn, p);
      const rows = await conn.query("listRunsPage", text, values);
      return rows.map(
        (row): RunPageRow => ({
          run: toRun(row),
          workflowName: typeof row.workflow_name === "string" ? row.workflow_name : "",
          key: { at: String(row.page_at), id: Number(row.id) },
        }),
      );
    },
  };
}
