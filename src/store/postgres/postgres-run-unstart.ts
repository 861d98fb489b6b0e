/**
 * Giving back the starts of runs a workflow worker's claim (or a trigger handed to it) started but no handler ran,
 * on PostgreSQL: the runs of prefetched messages a worker releases unrun.
 */
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";

export type RunUnstartOps = Pick<StoreBackend, "unstartRuns">;

/** The give-back of unrun starts; its statement is built once, here. */
export function createRunUnstartOps(conn: PostgresConnection): RunUnstartOps {
  const runs = conn.t("pgqrs_workflow_runs");

  // Each run still RUNNING for this worker with the attempt count its start left ($2, by run $1) counts one attempt
  // less; one that was never started before (no attempt left) is QUEUED again, with no start time and no worker.
  // A run started again since (another attempt, another worker) or finished is left alone.
  const sql = `
    UPDATE ${runs} AS r
       SET attempts = r.attempts - 1,
           status = CASE WHEN r.attempts = 1 THEN 'QUEUED' ELSE r.status END,
           started_at = CASE WHEN r.attempts = 1 THEN NULL ELSE r.started_at END,
           worker_id = CASE WHEN r.attempts = 1 THEN NULL ELSE r.worker_id END,
           updated_at = $4
      FROM ROWS FROM (pg_catalog.unnest($1::bigint[]), pg_catalog.unnest($2::int4[])) AS g(id, attempts)
     WHERE r.id = g.id AND r.attempts = g.attempts AND r.attempts > 0 AND r.worker_id = $3::bigint
       AND r.status OPERATOR(pg_catalog.=) 'RUNNING'`;

  return {
    async unstartRuns(p) {
      if (p.runs.length === 0) return;
      await conn.query("unstartRuns", sql, [p.runs.map((r) => r.id), p.runs.map((r) => r.attempts), p.workerId, p.now]);
    },
  };
}
