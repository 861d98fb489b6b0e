import { PgqrsError, TransientStepError } from "../errors.js";
import { eventsOf } from "../observability/events.js";
import { recordingOtelApi } from "../observability/tracing-api.js";
import { traceStep } from "../observability/tracing-workflow.js";
import { serializeOutput } from "../queue/payload-validation.js";
import type { RetryOption } from "./retry-policy.js";
import type { Run } from "./run.js";
import { isRetriedStepError, retriesExhaustedError, thrownStepErrorJson } from "./workflow-errors.js";

/** Options of one step call. */
export interface WorkflowStepOptions {
  /**
   * Retry policy of this step, replacing the workflow definition's: `{ maxAttempts, backoff }` (missing fields take
   * the defaults) or `false` (no retries). Default the definition's, else 3 retries with exponential backoff from
   * 1 s (±25% jitter, capped at 60 s).
   */
  retry?: RetryOption;
}

/**
 * Run `fn` as durable step `name` of `run`: a step that already succeeded returns its stored output without
 * calling `fn` (also when that output is `null`); otherwise `fn` runs and its result is stored. Any thrown
 * error schedules a retry under the step's retry policy (the error propagates, and the worker puts the run's
 * message back until the retry is due; a {@link TransientStepError}'s `retryAfterMs` sets the delay); once the
 * retries are used up the step throws RETRIES_EXHAUSTED and the run fails. A `NonRetryableError` fails the step,
 * and the run, at once; so do CANCELLED, CONFLICT, STORE_CLOSED, RETRIES_EXHAUSTED and CHILD_FAILED, which are
 * outcomes of the engine, not of the step's code. A `pauseError` pauses the run. Each failed attempt's error is kept
 * in the step's `attemptErrors`. Step names must be unique within a run: reusing one replays the first result.
 */
export function workflowStep<T>(
  run: Run,
  name: string,
  fn: () => Promise<T> | T,
  options: WorkflowStepOptions = {},
): Promise<T> {
  // Followed by the run, so a wait elsewhere in a fan-out suspends the run only once this step has settled.
  const api = recordingOtelApi();
  if (api === null) return run.activity.track(executeStep(run, name, fn, options));
  let replayed = false;
  const traced = traceStep(
    api,
    name,
    run.id,
    () =>
      executeStep(run, name, fn, options, () => {
        replayed = true;
      }),
    () => replayed,
  );
  return run.activity.track(traced);
}

/** `stepFinished`, when someone listens: the step's function ran from `startedMs` (store clock) to now. */
function emitStepFinished(
  run: Run,
  step: string,
  startedMs: number,
  outcome: { status: "SUCCESS"; retryAt: null } | { status: "ERROR"; error: unknown; retryAt: Date | null },
): void {
  const events = eventsOf(run.context);
  if (!events.has("stepFinished")) return;
  const durationMs = Math.max(0, run.context.clock.now().getTime() - startedMs);
  events.emit("stepFinished", { workflow: run.workflowName, runId: run.id, step, durationMs, ...outcome });
}

async function executeStep<T>(
  run: Run,
  name: string,
  fn: () => Promise<T> | T,
  options: WorkflowStepOptions,
  onReplay?: () => void,
): Promise<T> {
  const acquired = await run.acquireStep<T>(name, options.retry === undefined ? {} : { retry: options.retry });
  if (acquired.status === "SKIPPED") {
    onReplay?.();
    return acquired.value;
  }
  // Timed only for a stepFinished listener (undefined: nobody listens).
  const startedMs = eventsOf(run.context).has("stepFinished") ? run.context.clock.now().getTime() : undefined;
  let value: T;
  try {
    value = await fn();
  } catch (err) {
    const json = thrownStepErrorJson(err);
    const row = await acquired.guard.recordFailure(err);
    if (startedMs !== undefined)
      emitStepFinished(run, name, startedMs, { status: "ERROR", error: err, retryAt: row.retryAt });
    const paused = err instanceof PgqrsError && err.code === "PAUSED";
    if (!paused && isRetriedStepError(err)) {
      // The error as this step wrote it (the row's copy may have its keys reordered by the backend).
      if (row.retryAt === null) throw retriesExhaustedError(run.id, name, json, row.retryCount, err);
      // Thrown on as it is, for the workflow code to see; the worker finds the retry time on the run.
      run.noteStepRetry(err, row.retryAt);
    }
    if (err instanceof TransientStepError || paused) throw stampRetryAt(err, row.retryAt);
    throw err;
  }
  if (!run.defersStepWrites) {
    await acquired.guard.success(value);
    if (startedMs !== undefined) emitStepFinished(run, name, startedMs, { status: "SUCCESS", retryAt: null });
    return value;
  }
  // In a worker, the output is stored with the run's next write (the next step's acquisition or the run's
  // outcome), one round trip fewer per step; serialising it here keeps a bad output an error of this step.
  const output = serializeOutput(value, run.context.config.validationConfig);
  run.deferStepSuccess(name, output, acquired.guard.owner);
  if (startedMs !== undefined) emitStepFinished(run, name, startedMs, { status: "SUCCESS", retryAt: null });
  return value;
}

/**
 * Remember on the error when the step may run again, for the worker that reschedules the message (and for the
 * workflow code, as the documented `details.retryAt`). The error is the step's own object, thrown on unchanged
 * (same identity, class and stack), and `retryAt` is known only once the failure is recorded, so it cannot be
 * built in: the one write into `details` after construction.
 */
function stampRetryAt<E extends PgqrsError>(err: E, retryAt: Date | null): E {
  (err.details as Record<string, unknown>).retryAt = retryAt;
  return err;
}
