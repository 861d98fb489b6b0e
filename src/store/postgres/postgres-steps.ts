/**
 * Workflow steps: the fenced completion and failure writes and the reads; acquisitions are in
 * postgres-step-acquisition.ts, batched step boundaries in postgres-step-boundaries.ts.
 */
import { PgqrsError } from "../../errors.js";
import type { StepRecord } from "../../types.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { attemptErrorEntry } from "../step-attempt-errors.js";
import { cols, toStep } from "./postgres-rows.js";
import { createStepAcquisitionOps } from "./postgres-step-acquisition.js";
import { createStepBoundaryOps } from "./postgres-step-boundaries.js";
import { acquiredStep, stepByKeySql } from "./postgres-step-reads.js";

export type StepOps = Pick<
  StoreBackend,
  | "acquireStep"
  | "acquireStepOfRun"
  | "completeStepThenAcquire"
  | "completeStep"
  | "failStep"
  | "getStep"
  | "listSteps"
  | "stepBoundaries"
>;

export function createStepOps(conn: PostgresConnection): StepOps {
  const steps = conn.t("pgqrs_workflow_steps");
  const getSql = stepByKeySql(steps);

  /** Why a finishing write changed nothing: the step was never acquired, or another attempt holds it now. */
  async function fenced(runId: number, stepName: string, to: string): Promise<StepRecord> {
    const latest = await conn.prepared("step_by_key", getSql, [runId, stepName]);
    const row = acquiredStep(latest, runId, stepName, to);
    throw new PgqrsError(
      "CONFLICT",
      `Conflict: step '${stepName}' of run ${runId} is no longer held by this attempt (now ${row.status})`,
      { details: { runId, stepName, status: row.status } },
    );
  }

  return {
    ...createStepBoundaryOps(conn),
    ...createStepAcquisitionOps(conn),
    // With an owner, the write is fenced: only the attempt that holds the RUNNING step may finish it, so a worker
    // frozen past its lease cannot overwrite what its replacement recorded.
    async completeStep({ runId, stepName, now, output, owner }) {
      const rows = await conn.prepared(
        "complete_step",
        `UPDATE ${steps} SET status = 'SUCCESS', output = $3::jsonb, completed_at = $4, updated_at = $4, retry_at = NULL
          WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2
            AND ($5::text IS NULL OR (status OPERATOR(pg_catalog.=) 'RUNNING' AND attempt_owner = $5::text))
         RETURNING ${cols.step()}`,
        [runId, stepName, output, now, owner ?? null],
      );
      return rows.length > 0 ? toStep(rows[0]!) : fenced(runId, stepName, "SUCCESS");
    },

    // An attempt's failure is appended to attempt_errors by the same statement ($8, a one-entry array; NULL for a
    // pause, which is not one).
    async failStep({ runId, stepName, now, error, retryAt, retryCount, owner, attempt }) {
      const entry = attempt === undefined ? null : `[${attemptErrorEntry(attempt, now, error)}]`;
      const rows = await conn.prepared(
        "fail_step",
        `UPDATE ${steps}
            SET status = 'ERROR', error = $3::jsonb, retry_at = $4, retry_count = $5, completed_at = $6, updated_at = $6,
                attempt_errors = CASE WHEN $8::jsonb IS NULL THEN attempt_errors
                  ELSE COALESCE(attempt_errors, '[]'::jsonb) OPERATOR(pg_catalog.||) $8::jsonb END
          WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2
            AND ($7::text IS NULL OR (status OPERATOR(pg_catalog.=) 'RUNNING' AND attempt_owner = $7::text))
         RETURNING ${cols.step()}`,
        [runId, stepName, error, retryAt, retryCount, now, owner ?? null, entry],
      );
      return rows.length > 0 ? toStep(rows[0]!) : fenced(runId, stepName, "ERROR");
    },

    async getStep({ runId, stepName }) {
      const rows = await conn.prepared("step_by_key", getSql, [runId, stepName]);
      return rows[0] === undefined ? null : toStep(rows[0]);
    },

    async listSteps({ runId }) {
      const rows = await conn.query(
        "listSteps",
        `SELECT ${cols.step()} FROM ${steps} WHERE run_id = $1 ORDER BY created_at, id`,
        [runId],
      );
      return rows.map(toStep);
    },
  };
}
