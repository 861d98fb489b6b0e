/**
 * The durable record of one primitive operation of a run: a step row whose `kind` says what it records. The name
 * keys it, as for steps: the same name in a run is the same operation on every replay, and a name used for one
 * kind of operation cannot be reused for another.
 */
import { PgqrsError, ValidationError } from "../errors.js";
import type { BeginRunOpParams } from "../store/run-primitives.js";
import type { StepRecord, WorkflowStatus } from "../types.js";
import type { Run } from "./run.js";
import { cancelledError } from "./workflow-errors.js";

/** The kinds of operation a step row records. */
export type RunOpKind = "step" | "sleep" | "recv" | "send" | "child" | "child-result";

/** Longest operation name, characters (the step name column is VARCHAR(255)). */
const MAX_NAME_LENGTH = 255;

/** VALIDATION_FAILED unless `value` is a non-empty string of at most 255 characters; returns it. */
export function assertName(argument: string, value: unknown): string {
  if (typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH) return value;
  throw new ValidationError(`${argument} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`, {
    argument,
    value: typeof value === "string" ? `${value.slice(0, 40)}…` : String(value),
  });
}

/**
 * The row of operation `name` of `run`, created RUNNING with `input` on first sight (SUCCESS with `done.output`, a
 * JSON value, when given). VALIDATION_FAILED when the name already records another kind of operation;
 * RUN_NOT_FOUND for a deleted run; CANCELLED (finalising a pending cancellation) for a cancelled one.
 */
export async function beginOp(
  run: Run,
  name: string,
  kind: RunOpKind,
  input: unknown,
  done?: { output: unknown },
): Promise<StepRecord> {
  const ctx = run.context;
  ctx.assertOpen();
  await run.flushDeferred();
  const params: BeginRunOpParams = {
    runId: run.id,
    name,
    kind,
    input: input === undefined ? null : JSON.stringify(input),
    now: run.now(),
  };
  if (done !== undefined) params.output = JSON.stringify(done.output ?? null);
  return checkOpRow(run, name, kind, await ctx.backend.beginRunOp(params));
}

/**
 * Record operation `name` of `run` as done with `output` (JSON value) once it has acted: one statement writes the
 * row SUCCESS on first sight; a row left RUNNING by an earlier attempt is finished. Returns the stored output (an
 * earlier attempt's, when it recorded one). Checked as {@link beginOp} checks.
 */
export async function recordOp(
  run: Run,
  name: string,
  kind: RunOpKind,
  input: unknown,
  output: unknown,
): Promise<unknown> {
  const step = await beginOp(run, name, kind, input, { output });
  return step.status === "SUCCESS" ? step.output : finishOp(run, name, output);
}

/**
 * The row an operation statement returned, checked: RUN_NOT_FOUND for a deleted run, CANCELLED (finalising a
 * pending cancellation) for a cancelled one, VALIDATION_FAILED for a name recording another kind of operation.
 */
export async function checkOpRow(
  run: Run,
  name: string,
  kind: RunOpKind,
  found: { runStatus: WorkflowStatus | null; step: StepRecord | null },
): Promise<StepRecord> {
  if (found.runStatus === null || found.step === null) {
    throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${run.id}' not found`, { details: { runId: run.id } });
  }
  if (found.runStatus === "CANCELLING") {
    await run.finalizeCancel();
    throw cancelledError(run.id);
  }
  if (found.runStatus === "CANCELLED") throw cancelledError(run.id);
  if (found.step.kind !== kind) throw kindMismatch(run, name, found.step.kind, kind);
  return found.step;
}

/** VALIDATION_FAILED: a name reused for another kind of operation. */
export function kindMismatch(run: Run, name: string, existingKind: string, kind: string): ValidationError {
  return new ValidationError(
    `name '${name}' of run ${run.id} is already used by a ${existingKind} operation; it cannot be reused for a ${kind}`,
    { argument: "name", name, runId: run.id, existingKind, kind },
  );
}

/**
 * The row of operation `name` of `run` if there is one, read without writing: VALIDATION_FAILED when it records
 * another kind of operation. Operations whose effect is idempotent by itself (a send, a child's trigger) look first,
 * act, and record themselves only once they have acted, so a refused one writes nothing.
 */
export async function peekOp(run: Run, name: string, kind: RunOpKind): Promise<StepRecord | null> {
  run.context.assertOpen();
  await run.flushDeferred();
  const step = await run.context.backend.getStep({ runId: run.id, stepName: name });
  if (step !== null && step.kind !== kind) throw kindMismatch(run, name, step.kind, kind);
  return step;
}

/** Record operation `name` as done with `output` (JSON value); returns the stored output. */
export async function finishOp(run: Run, name: string, output: unknown): Promise<unknown> {
  const row = await run.context.backend.finishRunOp({
    runId: run.id,
    name,
    output: JSON.stringify(output ?? null),
    now: run.now(),
  });
  if (row === null) {
    throw new PgqrsError("RUN_NOT_FOUND", `Step '${name}' of run ${run.id} not found`, { details: { runId: run.id } });
  }
  return row.output;
}

/** A stored object field, or undefined. */
export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
