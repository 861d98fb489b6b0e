/**
 * Step acquisition: the atomic acquire upsert (alone, or checked against the run's status) and the step boundary
 * that completes one step and acquires the next in one statement (the statements: postgres-step-acquisition-sql.ts);
 * here, the calls and the reading of their rows.
 */
import type { WorkflowStatus } from "../../types.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { toStep } from "./postgres-rows.js";
import { stepAcquisitionSql } from "./postgres-step-acquisition-sql.js";
import { acquiredStep, stepByKeySql } from "./postgres-step-reads.js";

export type StepAcquisitionOps = Pick<StoreBackend, "acquireStep" | "acquireStepOfRun" | "completeStepThenAcquire">;

export function createStepAcquisitionOps(conn: PostgresConnection): StepAcquisitionOps {
  const steps = conn.t("pgqrs_workflow_steps");
  const runs = conn.t("pgqrs_workflow_runs");
  const getSql = stepByKeySql(steps);
  const sql = stepAcquisitionSql(conn);

  return {
    async acquireStep({ runId, stepName, now, owner }) {
      const rows = await conn.prepared("acquire_step", sql.acquire, [runId, stepName, now, owner]);
      const row = rows[0];
      if (row !== undefined && row.fresh === true) return { step: toStep(row), acquired: row.acquired === true };
      // Not acquired, and the row was inserted or changed by a concurrent transaction after our snapshot.
      const latest = await conn.prepared("step_by_key", getSql, [runId, stepName]);
      return { step: acquiredStep(latest, runId, stepName, "RUNNING"), acquired: false };
    },

    async acquireStepOfRun({ runId, stepName, now, owner }) {
      const rows = await conn.prepared("acquire_step_of_run", sql.acquireOfRun, [runId, stepName, now, owner]);
      const row = rows[0];
      if (row === undefined) {
        // No step row and nothing inserted: the run is missing or being cancelled.
        const run = await conn.prepared("run_status", `SELECT status::text AS status FROM ${runs} WHERE id = $1`, [
          runId,
        ]);
        return { runStatus: (run[0]?.status as WorkflowStatus | undefined) ?? null, step: null, acquired: false };
      }
      const runStatus = (row.run_status as WorkflowStatus | null) ?? null;
      if (row.fresh === true) return { runStatus, step: toStep(row), acquired: row.acquired === true };
      const latest = await conn.prepared("step_by_key", getSql, [runId, stepName]);
      return { runStatus, step: latest[0] === undefined ? null : toStep(latest[0]), acquired: false };
    },

    async completeStepThenAcquire({ complete, acquire }) {
      const rows = await conn.prepared("complete_then_acquire_step", sql.completeThenAcquire, [
        acquire.runId,
        acquire.stepName,
        acquire.now,
        acquire.owner,
        complete.stepName,
        complete.output,
      ]);
      const row = rows[0];
      const completed = row?.completed === true;
      const runStatus = (row?.run_status as WorkflowStatus | null | undefined) ?? null;
      if (!completed || row === undefined) return { completed, runStatus, step: null, acquired: false };
      if (row.id === null) return { completed, runStatus, step: null, acquired: false };
      if (row.fresh === true) return { completed, runStatus, step: toStep(row), acquired: row.acquired === true };
      const latest = await conn.prepared("step_by_key", getSql, [acquire.runId, acquire.stepName]);
      return { completed, runStatus, step: latest[0] === undefined ? null : toStep(latest[0]), acquired: false };
    },
  };
}
