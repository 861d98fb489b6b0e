/** Reads of a run's durable primitives for `admin(store)`: its messages, events and child runs. */
import { PgqrsError } from "../errors.js";
import type { RunEventRecord, RunMessageRecord } from "../store/run-primitives.js";
import type { RunRecord } from "../types.js";
import { assertId } from "../validation/arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { listEvents } from "../workflow/run-events.js";
import { listMessages } from "../workflow/run-messages.js";

/** The run `runId`; RUN_NOT_FOUND when there is none. */
export async function getRunRecord(ctx: EngineContext, runId: number): Promise<RunRecord> {
  assertId("runId", runId);
  ctx.assertOpen();
  const run = await ctx.backend.getRun(runId);
  if (run === null) {
    throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${runId}' not found`, { details: { runId } });
  }
  return run;
}

/** Messages sent to run `runId`, oldest first (received ones included). RUN_NOT_FOUND for an unknown run. */
export async function runMessages(ctx: EngineContext, runId: number): Promise<RunMessageRecord[]> {
  await getRunRecord(ctx, runId);
  return listMessages(ctx, runId);
}

/** Events of run `runId`, by key. RUN_NOT_FOUND for an unknown run. */
export async function runEvents(ctx: EngineContext, runId: number): Promise<RunEventRecord[]> {
  await getRunRecord(ctx, runId);
  return listEvents(ctx, runId);
}

/** Child runs of run `runId`, oldest first. RUN_NOT_FOUND for an unknown run. */
export async function childRuns(ctx: EngineContext, runId: number): Promise<RunRecord[]> {
  await getRunRecord(ctx, runId);
  return ctx.backend.listChildRuns({ runId });
}
