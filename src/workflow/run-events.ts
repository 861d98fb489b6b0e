/** Events of a run: `run.setEvent` inside, `getEvent` outside. */
import { timersOf } from "../clock.js";
import { PgqrsError } from "../errors.js";
import { serializePayload } from "../queue/payload-validation.js";
import { createWaker } from "../queue/wait.js";
import type { RunEventRecord } from "../store/run-primitives.js";
import { assertId } from "../validation/arguments.js";
import { assertIntervalMs, assertTimeoutMs } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import type { Run } from "./run.js";
import { assertName } from "./run-op.js";

/** Set event `key` of the run to `value` (any JSON value); the last write wins. */
export async function setEvent(run: Run, key: string, value: unknown): Promise<void> {
  assertName("key", key);
  const ctx = run.context;
  const json = serializePayload(value === undefined ? null : value, ctx.config.validationConfig);
  ctx.assertOpen();
  await run.activity.track(ctx.backend.setRunEvent({ runId: run.id, key, value: json, now: run.now() }));
}

/** Options of {@link readEvent}. */
export interface GetEventOptions {
  /** Wait up to this long for the event to be set, ms; 0 (the default) reads once. */
  timeoutMs?: number;
  /** Period between reads while waiting, ms. Default 100. */
  pollIntervalMs?: number;
  /** Stop waiting when aborted (resolves `null`). */
  signal?: AbortSignal;
}

/**
 * The value of event `key` of run `runId`, waiting up to `timeoutMs` for it to be set; `null` when it is not set by
 * then. RUN_NOT_FOUND for an unknown run.
 */
export async function readEvent<T>(
  ctx: EngineContext,
  runId: number,
  key: string,
  options: GetEventOptions = {},
): Promise<T | null> {
  assertId("runId", runId);
  assertName("key", key);
  const timeoutMs = options.timeoutMs === undefined ? 0 : assertTimeoutMs("timeoutMs", options.timeoutMs);
  const interval =
    options.pollIntervalMs === undefined ? 100 : assertIntervalMs("pollIntervalMs", options.pollIntervalMs);
  const timers = timersOf(ctx.clock);
  const deadline = timers.nowMs() + timeoutMs;
  const waker = createWaker(timers);
  for (;;) {
    ctx.assertOpen();
    const found = await ctx.backend.getRunEvent({ runId, key });
    if (!found.runExists) {
      throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${runId}' not found`, { details: { runId } });
    }
    if (found.event !== null) return found.event.value as T;
    const left = deadline - timers.nowMs();
    if (left <= 0 || options.signal?.aborted) return null;
    await waker.wait(Math.min(interval, left), options.signal);
  }
}

/** The events of run `runId`, by key. */
export async function listEvents(ctx: EngineContext, runId: number): Promise<RunEventRecord[]> {
  assertId("runId", runId);
  ctx.assertOpen();
  return ctx.backend.listRunEvents({ runId });
}
