/**
 * Operator actions on workflow runs (issue 16): retry a failed or cancelled run, resume a waiting one now, fork one
 * from a step. Each is one transaction in the store (store/run-operations.ts): a refusal writes nothing. After a
 * write, this store's own idle consumers of the run's queue are woken in-process (other processes hear the
 * database's notification on PostgreSQL, or poll on SQLite).
 */
import { InvalidStateTransitionError, PgqrsError, ValidationError } from "../errors.js";
import type { RunRecord } from "../types.js";
import { assertId } from "../validation/arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { assertName } from "./run-op.js";

/** Options of {@link forkRun}. */
export interface ForkRunOptions {
  /**
   * The step of the original run the fork starts executing at: the original's SUCCESS steps created before it are
   * copied (the fork replays their outputs); it and every later step run again. Required; a name that is no step of
   * the original is VALIDATION_FAILED.
   */
  fromStep: string;
}

function runNotFound(runId: number): PgqrsError {
  return new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${runId}' not found`, { details: { runId } });
}

/**
 * Put an ERROR or CANCELLED run back to work: QUEUED, its trigger message visible now with a fresh read count, its
 * SUCCESS steps replayed from their outputs and its failed steps run again with a fresh retry budget. Resolves with
 * the run (QUEUED). RUN_NOT_FOUND, or INVALID_STATE_TRANSITION naming the run's status for any other status;
 * nothing written then.
 */
export async function retryRun(ctx: EngineContext, runId: number): Promise<RunRecord> {
  assertId("runId", runId);
  ctx.assertOpen();
  const result = await ctx.backend.retryRun({ runId, now: ctx.clock.now() });
  if (result.outcome === "not-found") throw runNotFound(runId);
  if (result.outcome === "refused") {
    const status = result.run.status;
    throw new InvalidStateTransitionError(
      status,
      "QUEUED",
      `Run ${runId} is ${status}; only an ERROR or CANCELLED run can be retried`,
    );
  }
  ctx.enqueueSignals.signal(result.queueId);
  return result.run;
}

/**
 * Wake a waiting run now: a PAUSED run (a sleep, a pause, a retry wait, a recv, an event or a child), or a RUNNING
 * run waiting for a step's scheduled retry. A sleep is over now, a pause or a retry is due now; a recv, event or
 * child wait is woken and checks again (it waits again if nothing arrived). Resolves with the run as left
 * (still PAUSED or RUNNING until a worker takes its message). RUN_NOT_FOUND, or INVALID_STATE_TRANSITION naming the
 * run's status when it is not waiting; nothing written then.
 */
export async function resumeRun(ctx: EngineContext, runId: number): Promise<RunRecord> {
  assertId("runId", runId);
  ctx.assertOpen();
  const result = await ctx.backend.resumeRun({ runId, now: ctx.clock.now() });
  if (result.outcome === "not-found") throw runNotFound(runId);
  if (result.outcome === "refused") {
    const status = result.run.status;
    throw new InvalidStateTransitionError(
      status,
      "RUNNING",
      `Run ${runId} is ${status} and not waiting; only a PAUSED run or one waiting for a step retry can be resumed`,
    );
  }
  ctx.enqueueSignals.signal(result.queueId);
  return result.run;
}

/**
 * Start a new run of the same workflow with the same input that replays the original's steps created before
 * `fromStep` (those that succeeded, with their outputs) and executes `fromStep` and everything after it. The
 * original is left as it is, in whatever status (a RUNNING or PAUSED run can be forked too: the fork copies the
 * outputs committed when it is made). The fork has no parent run and no idempotency key, and records the original
 * as `forkedFromRunId`. Resolves with the new run (QUEUED). RUN_NOT_FOUND; VALIDATION_FAILED when `fromStep` is
 * not a step of the original; nothing written then.
 */
export async function forkRun(ctx: EngineContext, runId: number, options: ForkRunOptions): Promise<RunRecord> {
  assertId("runId", runId);
  if (options === null || typeof options !== "object") {
    throw new ValidationError("forkRun needs options { fromStep }", { argument: "options" });
  }
  const fromStep = assertName("fromStep", options.fromStep);
  ctx.assertOpen();
  const result = await ctx.backend.forkRun({ runId, fromStep, now: ctx.clock.now() });
  if (result.outcome === "not-found") throw runNotFound(runId);
  if (result.outcome === "no-step") {
    throw new ValidationError(`fromStep '${fromStep}' is not a step of run ${runId}`, {
      argument: "fromStep",
      fromStep,
      runId,
    });
  }
  ctx.enqueueSignals.signal(result.queueId);
  return result.run;
}
