import { timersOf } from "../clock.js";
import { PgqrsError, ValidationError } from "../errors.js";
import { createWaker } from "../queue/wait.js";
import type { RunRecord } from "../types.js";
import type { EngineContext } from "../workers/engine-context.js";

/** Options for waiting on a run's result. */
export interface ResultOptions {
  /** Give up after this many milliseconds (TIMEOUT). Default: wait without limit. */
  timeoutMs?: number;
  /** Stop waiting when aborted (rejects with the signal's reason or TIMEOUT). */
  signal?: AbortSignal;
  /** Period between checks, milliseconds. Default 100. */
  pollIntervalMs?: number;
}

/**
 * The output of a finished run: SUCCESS → output; ERROR → rejects EXECUTION_FAILED with the run's error;
 * CANCELLED → rejects CANCELLED; otherwise (not created yet, QUEUED, RUNNING, PAUSED, CANCELLING) `undefined`.
 */
export function settledOutput<T>(record: RunRecord | null): { done: true; value: T } | { done: false } {
  if (record === null) return { done: false };
  switch (record.status) {
    case "SUCCESS":
      return { done: true, value: record.output as T };
    case "ERROR":
      throw new PgqrsError("EXECUTION_FAILED", `Workflow run ${record.id} failed: ${JSON.stringify(record.error)}`, {
        details: { runId: record.id, error: record.error },
      });
    case "CANCELLED":
      throw new PgqrsError("CANCELLED", `Workflow cancelled for run ${record.id}`, { details: { runId: record.id } });
    default:
      return { done: false };
  }
}

/** A run record whose `output` has the type of its definition's output (`null` until the run succeeds). */
export type TypedRunRecord<Output> = Omit<RunRecord, "output"> & { output: Output | null };

/**
 * VALIDATION_FAILED unless `queueId` is the queue of a workflow: a message of a plain queue never gets a run, so
 * waiting for one would only end at the timeout. Called when the message has no run yet (a run proves a trigger).
 */
export async function assertTriggerQueue(ctx: EngineContext, messageId: number, queueId: number): Promise<void> {
  const workflows = await ctx.backend.listWorkflows();
  if (workflows.some((w) => w.queueId === queueId)) return;
  throw new ValidationError(
    `message ${messageId} is not a workflow trigger (its queue has no workflow), so it has no run or result`,
    { messageId, queueId },
  );
}

/**
 * Wait until the run of `message` is terminal; see {@link settledOutput}. VALIDATION_FAILED at once when the
 * message has no run and its queue has no workflow (see {@link assertTriggerQueue}).
 */
export async function waitForResult<T>(
  ctx: EngineContext,
  message: { id: number; queueId: number },
  options: ResultOptions = {},
): Promise<T> {
  const messageId = message.id;
  // Waits run on the store clock's timers (real, or virtual in tests).
  const timers = timersOf(ctx.clock);
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : timers.nowMs() + options.timeoutMs;
  const interval = options.pollIntervalMs ?? 100;
  const waker = createWaker(timers);
  let checked = false;
  while (true) {
    ctx.assertOpen();
    const record = await ctx.backend.getRunByMessageId(messageId);
    if (record === null && !checked) {
      await assertTriggerQueue(ctx, messageId, message.queueId);
      checked = true;
    }
    const state = settledOutput<T>(record);
    if (state.done) return state.value;
    if (options.signal?.aborted) {
      throw new PgqrsError("TIMEOUT", `Operation timeout: waiting for the result of message ${messageId} was aborted`, {
        cause: options.signal.reason,
      });
    }
    const left = deadline - timers.nowMs();
    if (left <= 0) {
      throw new PgqrsError(
        "TIMEOUT",
        `Operation timeout: run of message ${messageId} did not finish within ${options.timeoutMs} ms`,
        { details: { messageId, timeoutMs: options.timeoutMs as number } },
      );
    }
    await waker.wait(Math.min(interval, left), options.signal);
  }
}
