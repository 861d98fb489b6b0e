/**
 * What a workflow worker tells observers about a run: the `runStarted` and `runFinished` store events, and the
 * run's span (with OpenTelemetry only). Events are built only when someone listens.
 */
import { eventsOf } from "../observability/events.js";
import { traceRun } from "../observability/tracing-workflow.js";
import { recordingOtelApi } from "../observability/tracing-api.js";
import type { QueueMessage, WorkflowStatus } from "../types.js";
import type { EngineContext } from "../workers/engine-context.js";
import type { Run } from "./run.js";

const TERMINAL: readonly WorkflowStatus[] = ["SUCCESS", "ERROR", "CANCELLED"];

/** `runStarted`: this delivery is about to call the workflow's function. */
export function emitRunStarted(ctx: EngineContext, workflow: string, run: Run, message: QueueMessage): void {
  const events = eventsOf(ctx);
  if (!events.has("runStarted")) return;
  events.emit("runStarted", { workflow, runId: run.id, messageId: message.id, attempt: run.record.attempts });
}

/**
 * Drive one delivery of `run` with `drive`, inside the run's span, then emit `runFinished` when the run became
 * terminal during it (from a status that was not).
 */
export async function observeRun<T>(
  ctx: EngineContext,
  workflow: string,
  run: Run,
  message: QueueMessage,
  drive: () => Promise<T>,
): Promise<T> {
  const before = run.status;
  const api = recordingOtelApi();
  const result = api === null ? await drive() : await traceRun(api, workflow, run.id, drive, () => run.status);
  const after = run.status;
  if (after === before || !TERMINAL.includes(after) || TERMINAL.includes(before)) return result;
  const events = eventsOf(ctx);
  if (!events.has("runFinished")) return result;
  const record = run.record;
  const startedMs = (record.startedAt ?? record.createdAt).getTime();
  events.emit("runFinished", {
    workflow,
    runId: run.id,
    messageId: message.id,
    status: after as "SUCCESS" | "ERROR" | "CANCELLED",
    durationMs: Math.max(0, ctx.clock.now().getTime() - startedMs),
    error: after === "ERROR" ? record.error : null,
  });
  return result;
}
