/** Errors of step acquisition and fenced step writes. */
import { PgqrsError } from "../errors.js";
import type { StepRecord } from "../types.js";
import { retriesExhaustedError } from "./workflow-errors.js";

/** The write of a step's output was fenced off: another delivery of the run's message holds the step now. */
export function stepNoLongerHeld(runId: number, stepName: string): PgqrsError {
  return new PgqrsError("CONFLICT", `Conflict: step '${stepName}' of run ${runId} is no longer held by this attempt`, {
    details: { runId, stepName },
  });
}

/** Another acquisition of this delivery won the step while this one was in flight: do not run it twice. */
export function stepRaceConflict(runId: number, stepName: string): PgqrsError {
  return new PgqrsError(
    "CONFLICT",
    `Conflict: step '${stepName}' of run ${runId} is being executed by another attempt`,
    {
      details: { stepName, runId },
    },
  );
}

/** Why an ERROR step was not acquired: its retry is not due yet, or it failed for good. */
export function unavailableStepError(runId: number, step: StepRecord): PgqrsError {
  if (step.retryAt !== null) {
    return new PgqrsError(
      "STEP_NOT_READY",
      `Step not ready for execution (retry scheduled for ${step.retryAt.toISOString()})`,
      { details: { stepName: step.stepName, runId, retryAt: step.retryAt, retryCount: step.retryCount } },
    );
  }
  return retriesExhaustedError(runId, step.stepName, step.error, step.retryCount);
}
