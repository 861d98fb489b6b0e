/**
 * Acquiring a step of a run (`Run.acquireStep`): the acquiring statement, which also carries the previous step's
 * deferred output and checks the run's status, the takeover of a step an earlier attempt of the same delivery left
 * RUNNING, and the explicit step writes built on an acquisition (`Run.completeStep`, `Run.failStep`).
 */
import { randomUUID } from "node:crypto";
import { PgqrsError, ValidationError } from "../errors.js";
import { serializeOutput } from "../queue/payload-validation.js";
import type { StepRecord, WorkflowStatus } from "../types.js";
import { assertDate } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { type DeferredStepWrites, writeStepSuccess } from "./deferred-step-writes.js";
import { type RetryOption, resolveRetryPolicy } from "./retry-policy.js";
import type { Run } from "./run.js";
import { beginStepAcquisition } from "./step-acquisitions.js";
import { stepBoundaryGroup } from "./step-boundary-group.js";
import { stepNoLongerHeld, stepRaceConflict, unavailableStepError } from "./step-errors.js";
import { StepGuard } from "./step-guard.js";
import { cancelledError } from "./workflow-errors.js";

/** What `acquireStep` found: run the step (`EXECUTE`, with a guard to record its outcome) or replay it. */
export type StepResult<T = unknown> =
  | { status: "EXECUTE"; value: null; guard: StepGuard; step: StepRecord }
  | { status: "SKIPPED"; value: T; guard: null; step: StepRecord };

/** What the acquiring statement found. */
type AcquiredStep = Awaited<ReturnType<EngineContext["backend"]["acquireStepOfRun"]>>;

/** `run.acquireStep(name, options)`, with the run's deferred step writes: see {@link Run.acquireStep}. */
export async function acquireRunStep<T = unknown>(
  run: Run,
  writes: DeferredStepWrites,
  name: string,
  options: { currentTime?: Date | undefined; retry?: RetryOption },
): Promise<StepResult<T>> {
  const ctx = run.context;
  ctx.assertOpen();
  if (typeof name !== "string" || name.length === 0) {
    throw new ValidationError("Step name is required");
  }
  const now = options.currentTime === undefined ? run.now() : assertDate("currentTime", options.currentTime);
  // Resolved (and checked) before the acquisition writes the step: a bad policy writes nothing.
  const policy = options.retry === undefined ? run.retryPolicy : resolveRetryPolicy(options.retry);
  const acquisition = beginStepAcquisition(ctx, run.id, name);
  try {
    let owner = run.attemptOwner;
    let found = await acquireWithPending(run, writes, name, now);
    await throwIfCancelled(run, found.runStatus);
    if (found.step?.status === "RUNNING" && !found.acquired) {
      // Not taken, yet RUNNING: this delivery holds it. Lost to a concurrent acquisition (the retry race), or
      // left by an earlier attempt of this delivery, which a fresh owner token takes over in one statement.
      if (acquisition.lostRace()) throw stepRaceConflict(run.id, name);
      acquisition.won();
      owner = `${run.attemptOwner}~${randomUUID()}`;
      found = await ctx.backend.acquireStepOfRun({ runId: run.id, stepName: name, now, owner });
      await throwIfCancelled(run, found.runStatus);
    }
    const { step, acquired } = found;
    if (step === null) throw new PgqrsError("RUN_NOT_FOUND", `Step '${name}' of run ${run.id} not found`);
    if (step.kind !== "step") {
      throw new ValidationError(
        `name '${name}' of run ${run.id} is already used by a ${step.kind} operation; it cannot be reused for a step`,
        { argument: "name", name, runId: run.id, existingKind: step.kind, kind: "step" },
      );
    }
    if (step.status === "SUCCESS") return { status: "SKIPPED", value: step.output as T, guard: null, step };
    if (acquired) {
      acquisition.won();
      return { status: "EXECUTE", value: null, guard: new StepGuard(run, step, now, policy, owner), step };
    }
    // Still RUNNING after the takeover: another token took it in between.
    if (step.status === "RUNNING") throw stepRaceConflict(run.id, name);
    throw unavailableStepError(run.id, step);
  } finally {
    acquisition.end();
  }
}

/**
 * The acquiring statement. The run's status is checked in it, and the previous step's deferred output is written
 * by it too: one round trip per step boundary.
 */
async function acquireWithPending(
  run: Run,
  writes: DeferredStepWrites,
  name: string,
  now: Date,
): Promise<AcquiredStep> {
  const acquire = { runId: run.id, stepName: name, now, owner: run.attemptOwner };
  const ctx = run.context;
  const backend = ctx.backend;
  const pending = await writes.take(name);
  // A worker's runs share statements (group commit); the completion is fenced with the acquisition's owner.
  const group = run.defersStepWrites ? stepBoundaryGroup(ctx) : undefined;
  if (group !== undefined && (pending === undefined || pending.owner === run.attemptOwner)) {
    const complete = pending === undefined ? {} : { complete: { runId: run.id, now, ...pending } };
    const r = await group.add(run.id, { kind: "acquire", ...complete, acquire });
    if (r.kind !== "acquire" || !r.completed) throw stepNoLongerHeld(run.id, pending?.stepName ?? name);
    return r;
  }
  // The combined statement fences the completion with the acquisition's owner: a step taken over under a token
  // of its own is written separately.
  if (pending !== undefined && pending.owner === run.attemptOwner && backend.completeStepThenAcquire !== undefined) {
    const combined = await backend.completeStepThenAcquire({
      complete: { runId: run.id, now, ...pending },
      acquire,
    });
    if (!combined.completed) throw stepNoLongerHeld(run.id, pending.stepName);
    return combined;
  }
  if (pending !== undefined) await writeStepSuccess(run, pending);
  return backend.acquireStepOfRun(acquire);
}

async function throwIfCancelled(run: Run, runStatus: WorkflowStatus | null): Promise<void> {
  if (runStatus === null) throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${run.id}' not found`);
  if (runStatus === "CANCELLING") {
    await run.finalizeCancel();
    throw cancelledError(run.id);
  }
  if (runStatus === "CANCELLED") {
    await run.refresh();
    throw cancelledError(run.id);
  }
}

/** `run.completeStep(name, output)`: see {@link Run.completeStep}. */
export async function completeRunStep(run: Run, name: string, output: unknown): Promise<StepRecord> {
  const r = await run.acquireStep(name);
  if (r.status === "EXECUTE") return r.guard.success(output);
  // An explicit completion of a finished step replaces its output, as pgqrs's `complete_step` does: the write
  // is not fenced, since no attempt holds a SUCCESS step.
  const ctx = run.context;
  const json = serializeOutput(output, ctx.config.validationConfig);
  return ctx.backend.completeStep({ runId: run.id, stepName: name, now: run.now(), output: json });
}

/** `run.failStep(name, error, options)`: see {@link Run.failStep}. */
export async function failRunStep(
  run: Run,
  name: string,
  error: unknown,
  options: { currentTime?: Date },
): Promise<StepRecord> {
  const r = await run.acquireStep(name, options);
  if (r.status === "SKIPPED") return r.step;
  return r.guard.failWithJson(error);
}
