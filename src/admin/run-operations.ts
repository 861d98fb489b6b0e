/** Operator actions on workflow runs for `admin(store)`: retry, resume and fork (see workflow/run-operations.ts). */
import type { RunRecord } from "../types.js";
import type { EngineContext } from "../workers/engine-context.js";
import { type ForkRunOptions, forkRun, resumeRun, retryRun } from "../workflow/run-operations.js";

export type { ForkRunOptions } from "../workflow/run-operations.js";

/** `admin(store).retryRun(runId)`. */
export function adminRetryRun(ctx: EngineContext, runId: number): Promise<RunRecord> {
  return retryRun(ctx, runId);
}

/** `admin(store).resumeRun(runId)`. */
export function adminResumeRun(ctx: EngineContext, runId: number): Promise<RunRecord> {
  return resumeRun(ctx, runId);
}

/** `admin(store).forkRun(runId, { fromStep })`. */
export function adminForkRun(ctx: EngineContext, runId: number, options: ForkRunOptions): Promise<RunRecord> {
  return forkRun(ctx, runId, options);
}
