/**
 * A run's operation rows (a step row whose kind says what it records: sleep, send, child, …; workflow/run-op.ts):
 * the row written on first sight with its input, and its outcome written once.
 */
import type { WorkflowStatus } from "../../types.js";
import type { RunPrimitiveOps } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols, toStep } from "./postgres-rows.js";

export type RunOpRowOps = Pick<RunPrimitiveOps, "beginRunOp" | "finishRunOp">;

export function createRunOpRowOps(conn: PostgresConnection): RunOpRowOps {
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");

  // First sight only: an existing row is returned as it is. ON CONFLICT DO NOTHING waits for a concurrent insert
  // of the same row; one committed after this statement's snapshot is read again by the caller. With an output
  // ($6) the new row is written done: SUCCESS with it.
  const beginSql = `
    WITH run AS (SELECT status::text AS st FROM ${runs} WHERE id = $1),
    ins AS (
      INSERT INTO ${steps} (run_id, step_name, status, kind, input, started_at, retry_count, created_at, updated_at,
                            output, completed_at)
      SELECT $1, $2, (CASE WHEN $6::jsonb IS NULL THEN 'RUNNING' ELSE 'SUCCESS' END)::${conn.q}.pgqrs_workflow_status,
             $3, $4::jsonb, $5, 0, $5, $5, $6::jsonb, CASE WHEN $6::jsonb IS NOT NULL THEN $5::timestamptz END FROM run
      ON CONFLICT (run_id, step_name) DO NOTHING
      RETURNING ${cols.step()})
    SELECT (SELECT st FROM run) AS run_status, ${cols.step()} FROM ins
    UNION ALL
    SELECT (SELECT st FROM run), ${cols.step()} FROM ${steps}
     WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND NOT EXISTS (SELECT 1 FROM ins)`;

  const getStepSql = `SELECT ${cols.step()} FROM ${steps} WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2`;

  const finishSql = `
    WITH u AS (
      UPDATE ${steps} SET status = 'SUCCESS', output = $3::jsonb, completed_at = $4, updated_at = $4, retry_at = NULL
       WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND status OPERATOR(pg_catalog.<>) 'SUCCESS'
      RETURNING ${cols.step()})
    SELECT ${cols.step()} FROM u
    UNION ALL
    SELECT ${cols.step()} FROM ${steps}
     WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND NOT EXISTS (SELECT 1 FROM u)`;

  return {
    async beginRunOp(p) {
      const [row] = await conn.prepared("begin_run_op", beginSql, [
        p.runId,
        p.name,
        p.kind,
        p.input,
        p.now,
        p.output ?? null,
      ]);
      if (row !== undefined) {
        return { runStatus: (row.run_status as WorkflowStatus | null) ?? null, step: toStep(row) };
      }
      // No row: the run is missing, or a concurrent insert committed after this statement's snapshot.
      const [run] = await conn.prepared(
        "run_op_run_status",
        `SELECT status::text AS status FROM ${runs} WHERE id = $1`,
        [p.runId],
      );
      if (run === undefined) return { runStatus: null, step: null };
      const [step] = await conn.prepared("run_op_by_key", getStepSql, [p.runId, p.name]);
      return { runStatus: run.status as WorkflowStatus, step: step === undefined ? null : toStep(step) };
    },

    async finishRunOp(p) {
      const [row] = await conn.prepared("finish_run_op", finishSql, [p.runId, p.name, p.output, p.now]);
      if (row === undefined) return null;
      const step = toStep(row);
      if (step.status === "SUCCESS") return step;
      // A concurrent finish committed after this statement's snapshot (the update's re-check skipped the row).
      const [latest] = await conn.prepared("run_op_by_key", getStepSql, [p.runId, p.name]);
      return latest === undefined ? null : toStep(latest);
    },
  };
}
