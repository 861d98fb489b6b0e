/**
 * The writes that move a run between statuses: `start`, `complete`, `fail`, `pause`, `cancel`, and the finish that
 * records a worker's outcome and archives the run's trigger message in one transaction (or one group-commit
 * statement). Each is built on one transition from a set of statuses, which re-reads the run's row when it was in
 * none of them (the guarded form raises INVALID_STATE_TRANSITION then).
 */
import { InvalidStateTransitionError, PgqrsError, ValidationError } from "../errors.js";
import { serializeOutput } from "../queue/payload-validation.js";
import type { RunRecord, WorkflowStatus } from "../types.js";
import { type DeferredStepWrites, writeStepSuccess } from "./deferred-step-writes.js";
import type { Run } from "./run.js";
import { stepBoundaryGroup } from "./step-boundary-group.js";
import { stepNoLongerHeld } from "./step-errors.js";
import { waitingForJson } from "./run-waits.js";
import { assertDelayMs, toJsonText } from "./workflow-errors.js";

/** The statuses a run can still leave. */
export const NOT_TERMINAL: readonly WorkflowStatus[] = ["QUEUED", "RUNNING", "PAUSED", "CANCELLING"];

/** The columns a transition writes besides the status (JSON text each). */
export interface RunStatusFields {
  output?: string;
  error?: string;
  waitingFor?: string;
}

/**
 * `from` → `to` with `fields`, once the run's deferred step writes have settled. The new row (taken by `run`), or
 * `null` when the run was in none of `from` (`run` then holds its current row).
 */
export async function transitionRun(
  run: Run,
  writes: DeferredStepWrites,
  from: readonly WorkflowStatus[],
  to: WorkflowStatus,
  fields: RunStatusFields,
): Promise<RunRecord | null> {
  const ctx = run.context;
  ctx.assertOpen();
  await writes.settle();
  const row = await ctx.backend.transitionRun({ id: run.id, from, to, now: run.now(), ...fields });
  if (row !== null) {
    run.adoptRecord(row);
    return row;
  }
  await run.refresh();
  return null;
}

/** `run.refresh()`: re-read the run's row once its deferred step writes have settled. */
export async function refreshRun<R extends Run>(run: R, writes: DeferredStepWrites): Promise<R> {
  const ctx = run.context;
  ctx.assertOpen();
  await writes.settle();
  const row = await ctx.backend.getRun(run.id);
  if (row === null) throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${run.id}' not found`);
  run.adoptRecord(row);
  return run;
}

/** `run.cancel()`: see {@link Run.cancel}. */
export async function cancelRun<R extends Run>(run: R, writes: DeferredStepWrites): Promise<R> {
  const ctx = run.context;
  ctx.assertOpen();
  await writes.settle();
  const row = await ctx.backend.cancelRunTree({ runId: run.id, now: run.now() });
  if (row === null) throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${run.id}' not found`);
  run.adoptRecord(row);
  if (row.status === "CANCELLING") return run;
  throw new InvalidStateTransitionError(row.status, "CANCELLING", `Run ${run.id} is already finished`);
}

/** {@link transitionRun}, raising INVALID_STATE_TRANSITION when the run was in none of `from`. */
export async function guardedTransition(
  run: Run,
  writes: DeferredStepWrites,
  from: readonly WorkflowStatus[],
  to: WorkflowStatus,
  fields: RunStatusFields,
): Promise<void> {
  const row = await transitionRun(run, writes, from, to, fields);
  if (row === null) {
    throw new InvalidStateTransitionError(run.status, to, `Run ${run.id} is in terminal ${run.status} state`);
  }
}

/** `run.start()`: see {@link Run.start}. */
export async function startRun<R extends Run>(run: R, writes: DeferredStepWrites): Promise<R> {
  const row = await transitionRun(run, writes, ["QUEUED", "PAUSED"], "RUNNING", {});
  if (row !== null) return run;
  if (run.status === "RUNNING") return run;
  throw new ValidationError(`Run ${run.id} is in terminal ${run.status} state`, {
    runId: run.id,
    status: run.status,
  });
}

/** `run.complete(output)`: → SUCCESS with `output`. */
export async function completeRun<R extends Run>(run: R, writes: DeferredStepWrites, output: unknown): Promise<R> {
  const json = serializeOutput(output, run.context.config.validationConfig);
  await guardedTransition(run, writes, NOT_TERMINAL, "SUCCESS", { output: json });
  return run;
}

/** `run.fail(error)`: → ERROR with `error`. */
export async function failRun<R extends Run>(run: R, writes: DeferredStepWrites, error: unknown): Promise<R> {
  await guardedTransition(run, writes, NOT_TERMINAL, "ERROR", { error: toJsonText(error) });
  return run;
}

/** `run.pause(message, resumeAfterMs)`: see {@link Run.pause}. */
export async function pauseRun<R extends Run>(
  run: R,
  writes: DeferredStepWrites,
  message: string,
  resumeAfterMs: number,
): Promise<R> {
  assertDelayMs("resume_after", "resumeAfterMs", resumeAfterMs);
  const error = toJsonText({ message, resume_after: resumeAfterMs / 1000 });
  const until = new Date(run.now().getTime() + resumeAfterMs);
  const waitingFor = waitingForJson({ kind: "pause", until });
  await guardedTransition(run, writes, ["QUEUED", "RUNNING", "PAUSED"], "PAUSED", { error, waitingFor });
  return run;
}

/** `run.pauseFor(waitingFor)`: → PAUSED with `waitingFor` (JSON text of a `RunWaitingFor`). */
export async function pauseRunFor<R extends Run>(run: R, writes: DeferredStepWrites, waitingFor: string): Promise<R> {
  await guardedTransition(run, writes, ["QUEUED", "RUNNING", "PAUSED"], "PAUSED", { waitingFor });
  return run;
}

/** `run.finishAndArchive(outcome, message)`: see {@link Run.finishAndArchive}. */
export async function finishRunAndArchive(
  run: Run,
  writes: DeferredStepWrites,
  outcome: { output: unknown } | { error: unknown },
  message: { id: number; consumerWorkerId: number | null },
): Promise<boolean> {
  const ctx = run.context;
  ctx.assertOpen();
  const fields =
    "output" in outcome
      ? {
          to: "SUCCESS" as const,
          output: serializeOutput(outcome.output, ctx.config.validationConfig),
        }
      : { to: "ERROR" as const, error: toJsonText(outcome.error) };
  if (message.consumerWorkerId === null) {
    await guardedTransition(run, writes, NOT_TERMINAL, fields.to, fields);
    return false;
  }
  const { to, ...values } = fields;
  const params = {
    id: run.id,
    from: NOT_TERMINAL,
    to,
    now: run.now(),
    ...values,
    messageId: message.id,
    workerId: message.consumerWorkerId,
  };
  const backend = ctx.backend;
  const pending = await writes.take();
  let result: { run: RunRecord | null; archived: boolean };
  // A worker's runs share statements (group commit), except a child's finish, whose statement wakes its parent.
  const group = run.defersStepWrites && run.parentRunId === null ? stepBoundaryGroup(ctx) : undefined;
  if (group !== undefined) {
    const complete = pending === undefined ? {} : { complete: { runId: run.id, now: params.now, ...pending } };
    const r = await group.add(run.id, { kind: "finish", ...complete, run: params });
    if (r.kind !== "finish" || !r.completed) throw stepNoLongerHeld(run.id, pending?.stepName ?? "");
    result = r;
  } else if (pending !== undefined && backend.completeStepThenRunAndArchive !== undefined) {
    const combined = await backend.completeStepThenRunAndArchive({
      complete: { runId: run.id, now: params.now, ...pending },
      run: params,
    });
    if (!combined.completed) throw stepNoLongerHeld(run.id, pending.stepName);
    result = combined;
  } else {
    if (pending !== undefined) await writeStepSuccess(run, pending);
    result = await backend.completeRunAndArchive(params);
  }
  const { run: row, archived } = result;
  if (row !== null) {
    run.adoptRecord(row);
    return archived;
  }
  await run.refresh();
  throw new InvalidStateTransitionError(run.status, to, `Run ${run.id} is in terminal ${run.status} state`);
}
