/** What both kinds of step statements share: the step read by its key, and the answer when there is none. */
import { InvalidStateTransitionError } from "../../errors.js";
import type { StepRecord } from "../../types.js";
import type { Row } from "./postgres-connection.js";
import { cols, toStep } from "./postgres-rows.js";

/** A run's step by name (`steps`: the qualified table). Prepared as `step_by_key`. */
export function stepByKeySql(steps: string): string {
  return `SELECT ${cols.step()} FROM ${steps} WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2`;
}

/** The step of `rows`, or INVALID_STATE_TRANSITION when the step was never acquired. */
export function acquiredStep(rows: Row[], runId: number, stepName: string, to: string): StepRecord {
  if (rows[0] === undefined) {
    throw new InvalidStateTransitionError(
      "absent",
      to,
      `step '${stepName}' of run ${runId} was never acquired; call acquireStep first`,
    );
  }
  return toStep(rows[0]);
}
