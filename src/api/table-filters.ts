/**
 * Checks of the filters the table accessors take (ids, states, statuses), at the API, so a bad filter is
 * VALIDATION_FAILED on every backend instead of a database error on one and an empty list on the other.
 */
import { ValidationError } from "../errors.js";
import { WORKER_STATUSES, WORKFLOW_STATUSES } from "../types.js";
import { assertOneOf, assertOptionalId, assertOptionalOneOf } from "../validation/arguments.js";

/** The states `tables().messages().list/count` filter by. */
export const MESSAGE_STATES = ["active", "archived", "dead", "all"] as const;

/** `queueId` and `consumerWorkerId` ids, `state` one of {@link MESSAGE_STATES}. */
export function checkMessageFilter(params: { queueId?: unknown; consumerWorkerId?: unknown; state?: unknown }): void {
  assertOptionalId("queueId", params.queueId);
  assertOptionalId("consumerWorkerId", params.consumerWorkerId);
  if (params.state !== undefined) assertOneOf("state", params.state, MESSAGE_STATES);
}

/** `queueId` an id, `status` a worker status. */
export function checkWorkerFilter(params: {
  queueId?: unknown;
  status?: unknown;
  hideStopped?: unknown;
  hideEphemeral?: unknown;
}): void {
  assertOptionalId("queueId", params.queueId);
  assertOptionalOneOf("status", params.status, WORKER_STATUSES);
  for (const key of ["hideStopped", "hideEphemeral"] as const) {
    const v = params[key];
    if (v !== undefined && typeof v !== "boolean") {
      throw new ValidationError(`${key} must be a boolean, got ${String(v)}`, { argument: key });
    }
  }
}

/** `workflowId` an id, `status` a run status. */
export function checkRunFilter(params: { workflowId?: unknown; status?: unknown }): void {
  assertOptionalId("workflowId", params.workflowId);
  assertOptionalOneOf("status", params.status, WORKFLOW_STATUSES);
}
