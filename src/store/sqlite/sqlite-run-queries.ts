/**
 * Run queries on SQLite (store/run-queries.ts): one keyset page of runs, newest first. The statement walks
 * `idx_workflow_runs_created` (created_at, id), or for one workflow `…_workflow_created` (workflow_id, created_at,
 * id), or for one status `…_status_created` (status, created_at, id), backwards from the page key with a row-value
 * comparison, and stops after `limit` rows: never a sort. The key's `at` is the stored created_at text itself, so rows another program wrote in another timestamp
 * form still compare exactly.
 */
import type { ListRunsPageParams, RunPageRow, RunQueryFilter } from "../run-queries.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { type RunRow, toRun } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

type Bound = number | string;

/** A filter's condition on runs `r` and its values (`?` placeholders, in order). */
type FilterClause = (p: RunQueryFilter) => { sql: string; values: Bound[] } | null;

/** One entry per filter of {@link RunQueryFilter}; a new filter is one more entry. */
const FILTER_CLAUSES: readonly FilterClause[] = [
  (p) => (p.workflowId === undefined ? null : { sql: "r.workflow_id = ?", values: [p.workflowId] }),
  (p) => (p.status === undefined ? null : { sql: "r.status = ?", values: [p.status] }),
  (p) => (p.since === undefined ? null : { sql: "r.created_at >= ?", values: [encodeTime(p.since)] }),
  (p) => (p.until === undefined ? null : { sql: "r.created_at < ?", values: [encodeTime(p.until)] }),
  // Walks the partial idx_workflow_runs_version_created (version, created_at, id) WHERE version IS NOT NULL.
  (p) => (p.version === undefined ? null : { sql: "r.version IS NOT NULL AND r.version = ?", values: [p.version] }),
];

/** @internal The statement of one page (exported for the query-plan test, which EXPLAINs it). */
export function listRunsPageStatement(p: ListRunsPageParams): { sql: string; values: Bound[] } {
  const conditions: string[] = [];
  const values: Bound[] = [];
  for (const clause of FILTER_CLAUSES) {
    const c = clause(p);
    if (c === null) continue;
    conditions.push(c.sql);
    values.push(...c.values);
  }
  if (p.after !== undefined) {
    conditions.push("(r.created_at, r.id) < (?, ?)");
    values.push(p.after.at, p.after.id);
  }
  const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
  const sql = `SELECT r.*, w.name AS workflow_name
  FROM pgqrs_workflow_runs r LEFT JOIN pgqrs_workflows w ON w.id = r.workflow_id
  ${where}
  ORDER BY r.created_at DESC, r.id DESC
  LIMIT ?`;
  return { sql, values: [...values, p.limit] };
}

export function listRunsPage(c: SqliteConnection, p: ListRunsPageParams): RunPageRow[] {
  const { sql, values } = listRunsPageStatement(p);
  return c.all<RunRow & { workflow_name: string | null }>(sql, ...values).map((row) => ({
    run: toRun(row),
    workflowName: row.workflow_name ?? "",
    key: { at: row.created_at, id: row.id },
  }));
}
