/** Workflow steps: the atomic acquire, completion, failure, reads. */
import { InvalidStateTransitionError, PgqrsError } from "../../errors.js";
import type { StepRecord, WorkflowStatus } from "../../types.js";
import type { AcquireStepParams, CompleteStepParams, FailStepParams } from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { attemptErrorEntry } from "../step-attempt-errors.js";
import { type StepRow, toStep } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

/*
 * One statement, so two workers racing for the same retry-ready step cannot both move it to RUNNING: the
 * conflict's WHERE decides, and the loser's DO UPDATE is skipped. A RUNNING row counts as a crashed attempt only
 * when another delivery of the run's message (`attempt_owner`) holds it, so a racer of the same delivery finds the
 * winner's attempt live. A row comes back
 * exactly when this call inserted the step or moved it to RUNNING; SUCCESS, live RUNNING and not-yet-due ERROR
 * rows are left untouched and returned by the follow-up read.
 */
const ACQUIRE_SQL = `INSERT INTO pgqrs_workflow_steps
  (run_id, step_name, status, started_at, retry_count, created_at, updated_at, attempt_owner)
VALUES (@runId, @stepName, 'RUNNING', @now, 0, @now, @now, @owner)
ON CONFLICT (run_id, step_name) DO UPDATE
  SET status = 'RUNNING', attempt_owner = @owner, started_at = @now, updated_at = @now, completed_at = NULL,
      retry_at = NULL, error = CASE WHEN status = 'ERROR' THEN NULL ELSE error END
  WHERE (status = 'RUNNING' AND attempt_owner IS NOT @owner)
     OR (status = 'ERROR' AND retry_at IS NOT NULL AND retry_at <= @now)
RETURNING *`;

function stepRow(c: SqliteConnection, runId: number, stepName: string): StepRow | undefined {
  return c.get<StepRow>("SELECT * FROM pgqrs_workflow_steps WHERE run_id = ? AND step_name = ?", runId, stepName);
}

export function acquireStep(c: SqliteConnection, p: AcquireStepParams): { step: StepRecord; acquired: boolean } {
  const acquired = c.get<StepRow>(ACQUIRE_SQL, {
    runId: p.runId,
    stepName: p.stepName,
    now: encodeTime(p.now),
    owner: p.owner,
  });
  if (acquired !== undefined) return { step: toStep(acquired), acquired: true };
  return { step: toStep(stepRow(c, p.runId, p.stepName)!), acquired: false };
}

/**
 * The finished row, or why the write changed nothing: the step was never acquired, or (with an owner: writes are
 * fenced so a worker frozen past its lease cannot overwrite its replacement's record) another attempt holds it.
 */
function finished(
  c: SqliteConnection,
  row: StepRow | undefined,
  p: { runId: number; stepName: string },
  to: string,
): StepRecord {
  if (row !== undefined) return toStep(row);
  const current = stepRow(c, p.runId, p.stepName);
  if (current === undefined) {
    throw new InvalidStateTransitionError(
      "absent",
      to,
      `step '${p.stepName}' of run ${p.runId} was never acquired; call acquireStep first`,
    );
  }
  throw new PgqrsError(
    "CONFLICT",
    `Conflict: step '${p.stepName}' of run ${p.runId} is no longer held by this attempt (now ${current.status})`,
    { details: { runId: p.runId, stepName: p.stepName, status: current.status } },
  );
}

const FENCE = "AND (@owner IS NULL OR (status = 'RUNNING' AND attempt_owner = @owner))";

export function completeStep(c: SqliteConnection, p: CompleteStepParams): StepRecord {
  const now = encodeTime(p.now);
  const row = c.get<StepRow>(
    `UPDATE pgqrs_workflow_steps
     SET status = 'SUCCESS', output = @output, completed_at = @now, updated_at = @now, retry_at = NULL
     WHERE run_id = @runId AND step_name = @stepName ${FENCE}
     RETURNING *`,
    { output: p.output, now, runId: p.runId, stepName: p.stepName, owner: p.owner ?? null },
  );
  return finished(c, row, p, "SUCCESS");
}

/** An attempt's failure is appended to attempt_errors by the same statement (a pause, @entry NULL, is not one). */
export function failStep(c: SqliteConnection, p: FailStepParams): StepRecord {
  const now = encodeTime(p.now);
  const row = c.get<StepRow>(
    `UPDATE pgqrs_workflow_steps
     SET status = 'ERROR', error = @error, retry_at = @retryAt, retry_count = @retryCount,
         completed_at = @now, updated_at = @now,
         attempt_errors = CASE WHEN @entry IS NULL THEN attempt_errors
           ELSE json_insert(COALESCE(attempt_errors, '[]'), '$[#]', json(@entry)) END
     WHERE run_id = @runId AND step_name = @stepName ${FENCE}
     RETURNING *`,
    {
      entry: p.attempt === undefined ? null : attemptErrorEntry(p.attempt, p.now, p.error),
      owner: p.owner ?? null,
      error: p.error,
      retryAt: p.retryAt === null ? null : encodeTime(p.retryAt),
      retryCount: p.retryCount,
      now,
      runId: p.runId,
      stepName: p.stepName,
    },
  );
  return finished(c, row, p, "ERROR");
}

export function getStep(c: SqliteConnection, p: { runId: number; stepName: string }): StepRecord | null {
  const row = stepRow(c, p.runId, p.stepName);
  return row === undefined ? null : toStep(row);
}

/** Creation order: ids grow with insertion. */
export function listSteps(c: SqliteConnection, p: { runId: number }): StepRecord[] {
  return c.all<StepRow>("SELECT * FROM pgqrs_workflow_steps WHERE run_id = ? ORDER BY id", p.runId).map(toStep);
}

/** The run's status and the acquisition under one write transaction; no acquisition while it is being cancelled. */
export function acquireStepOfRun(
  c: SqliteConnection,
  p: AcquireStepParams,
): { runStatus: WorkflowStatus | null; step: StepRecord | null; acquired: boolean } {
  return c.immediate(() => {
    const run = c.get<{ status: WorkflowStatus }>("SELECT status FROM pgqrs_workflow_runs WHERE id = ?", p.runId);
    if (run === undefined) return { runStatus: null, step: null, acquired: false };
    if (run.status === "CANCELLING" || run.status === "CANCELLED") {
      return { runStatus: run.status, step: getStep(c, { runId: p.runId, stepName: p.stepName }), acquired: false };
    }
    return { runStatus: run.status, ...acquireStep(c, p) };
  });
}
