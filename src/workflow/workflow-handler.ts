import { describeThrown, PgqrsError } from "../errors.js";
import type { MessageOutcome } from "../queue/poll-loop.js";
import type { QueueMessage, RunRecord } from "../types.js";
import type { EngineContext } from "../workers/engine-context.js";
import type { WorkflowDefinition } from "./definition.js";
import { retryDelayMs } from "./retry-policy.js";
import { Run } from "./run.js";
import { emitRunStarted, observeRun } from "./run-observability.js";
import { eventsOf } from "../observability/events.js";
import { recordingOtelApi } from "../observability/tracing-api.js";
import { stepErrorJson } from "./workflow-errors.js";
import { rememberRunQueue, signalRunQueue } from "./run-messages.js";
import { isRunWaitSignal, mergeWaits, waitingForJson } from "./run-waits.js";
import { assertId } from "../validation/arguments.js";
import { triggerInput } from "./trigger-payload.js";

export { triggerInput } from "./trigger-payload.js";

/** Get the run of a trigger message, creating it QUEUED on first sight. */
export async function runForMessage(ctx: EngineContext, message: QueueMessage, def?: WorkflowDefinition): Promise<Run> {
  ctx.assertOpen();
  assertId("message.id", message.id);
  const record = await ctx.backend.getOrCreateRun({ message, now: ctx.clock.now() });
  return new Run(ctx, record, def?.retry, deliveryOwner(message));
}

/**
 * The owner of the steps a delivery of `message` acquires: its consumer and read count ("none:0" for a trigger
 * never dequeued). A later delivery takes a RUNNING step over, and the earlier one's step writes are then refused.
 */
function deliveryOwner(message: QueueMessage): string {
  return `${message.consumerWorkerId ?? "none"}:${message.readCt}`;
}

/** What to do with a workflow's message, and for a message put back, the error that put it back. */
export type WorkflowMessageOutcome = MessageOutcome & { cause?: unknown };

/** Options of {@link handleWorkflowMessage}. */
export interface HandleWorkflowMessageOptions {
  /** The clock of release times. Default the store's. */
  now?: () => Date;
  /** The run the claim already started, if it did. */
  startedRun?: RunRecord | undefined;
  /** Pin the run's time (`run.withTime`), as pgqrs's `workflow_handler_with_time`. */
  at?: Date | undefined;
}

/**
 * Drive one run for one delivery of its message, as pgqrs's workflow handler: finalise a pending
 * cancellation, start, call the workflow, record the outcome, and say what to do with the message. Retries and
 * pauses put the message back until they are due; terminal runs archive it.
 */
export async function handleWorkflowMessage(
  ctx: EngineContext,
  def: WorkflowDefinition,
  message: QueueMessage,
  options: HandleWorkflowMessageOptions = {},
): Promise<WorkflowMessageOutcome> {
  ctx.assertOpen();
  const now = options.now ?? (() => ctx.clock.now());
  // Create and start the run in one round trip (or take the one the claim started); a stale QUEUED/PAUSED
  // snapshot falls back to the guarded start.
  const record = options.startedRun ?? (await ctx.backend.startRun({ message, now: ctx.clock.now() }));
  const run = new Run(ctx, record, def.retry, deliveryOwner(message));
  run.workflowName = def.name;
  // Its queue, known here, spares a read when this store signals the run later (a child's end, a send to it).
  if (ctx.enqueueSignals.listening) rememberRunQueue(ctx, run.id, message.queueId);
  // Observed (a span, the runFinished event) only when someone looks: otherwise the run is driven directly.
  const observed = recordingOtelApi() !== null || eventsOf(ctx).has("runFinished");
  const drive = () => driveRun(ctx, def, message, run, now, options);
  if (run.parentRunId === null) return observed ? observeRun(ctx, def.name, run, message, drive) : drive();
  const outcome = await (observed ? observeRun(ctx, def.name, run, message, drive) : drive());
  // The database woke the parent with the child's end (and notified other processes); wake this store's loops.
  if (FINISHED.includes(run.status)) await signalRunQueue(ctx, run.parentRunId);
  return outcome;
}

const FINISHED: readonly string[] = ["SUCCESS", "ERROR", "CANCELLED"];

async function driveRun(
  ctx: EngineContext,
  def: WorkflowDefinition,
  message: QueueMessage,
  run: Run,
  now: () => Date,
  options: HandleWorkflowMessageOptions,
): Promise<WorkflowMessageOutcome> {
  if (options.at !== undefined) run.withTime(options.at);
  run.defersStepWrites = true;
  switch (run.status) {
    case "CANCELLING":
      await run.finalizeCancel();
      return { action: "archive" };
    case "CANCELLED":
    case "SUCCESS":
    case "ERROR":
      return { action: "archive" };
    case "RUNNING":
      break;
    default:
      await run.start();
  }
  emitRunStarted(ctx, def.name, run, message);
  let output: unknown;
  try {
    output = await def.fn(run, triggerInput(message.payload) as never);
  } catch (err) {
    if (isRunWaitSignal(err)) return suspendRun(ctx, run, message, now);
    return outcomeOfFailure(run, err, message.readCt, now);
  }
  // A workflow that swallowed a wait signal is suspended all the same: what it returned rests on a wait not over.
  if (run.activity.waiting) return suspendRun(ctx, run, message, now);
  try {
    try {
      // A workflow that returns nothing (a void async function) succeeds with output null, as pgqrs stores unit.
      return await finishAndArchive(run, message, { output: output === undefined ? null : output });
    } catch (err) {
      // The database failing to take the outcome says nothing about the output: the message comes back instead.
      if (isConflict(err) || isStoreFailure(err)) throw err;
      // The output could not be stored (not JSON, too large): the run fails with a readable reason.
      return await finishAndArchive(run, message, {
        error: { code: "INVALID_OUTPUT", message: describeThrown(err) },
      });
    }
  } catch (err) {
    // The last step's output was fenced off: another delivery holds the run now; it finishes it.
    if (isConflict(err)) return outcomeOfFailure(run, err, message.readCt, now);
    throw err;
  }
}

/**
 * Suspend a run that waits: let its other operations in flight settle (their waits count too), write the last
 * step's output, then pause the run and release its message until the earliest deadline (or now, when what it
 * waits for has already happened) in one transaction. The worker's slot is free as soon as this returns.
 */
async function suspendRun(
  ctx: EngineContext,
  run: Run,
  message: QueueMessage,
  now: () => Date,
): Promise<WorkflowMessageOutcome> {
  await run.activity.settle();
  try {
    await run.flushDeferred();
  } catch (err) {
    return outcomeOfFailure(run, err, message.readCt, now);
  }
  const wait = mergeWaits(run.activity.takeWaits());
  if (wait === undefined) return { action: "release", visibleAt: now(), refund: true };
  const waitingFor = waitingForJson(wait.waitingFor);
  if (message.consumerWorkerId === null) {
    await finish(() => run.pauseFor(waitingFor));
    return { action: "release", visibleAt: wait.until, refund: true };
  }
  const result = await ctx.backend.suspendRun({
    runId: run.id,
    messageId: message.id,
    workerId: message.consumerWorkerId,
    now: now(),
    waitingFor,
    until: wait.until,
    wakeIf: wait.wakeIf,
  });
  switch (result.outcome) {
    case "cancelling":
      await finish(() => run.finalizeCancel());
      return { action: "archive" };
    case "paused":
      // Woken at once (what it waits for happened meanwhile): this store's idle loops look again now.
      if (result.woken) ctx.enqueueSignals.signal(message.queueId);
      return { action: "keep" };
    default:
      return { action: "keep" };
  }
}

function isConflict(err: unknown): boolean {
  return err instanceof PgqrsError && err.code === "CONFLICT";
}

function isStoreFailure(err: unknown): boolean {
  return (
    err instanceof PgqrsError &&
    ["CONNECTION_FAILED", "QUERY_FAILED", "SCHEMA_NOT_INSTALLED", "STORE_CLOSED", "BUSY", "TIMEOUT"].includes(err.code)
  );
}

/**
 * Record the run's outcome and acknowledge its message in one transaction, so a crash in between cannot leave a
 * finished run whose message is delivered again. When the message was not archived with it (the lease was lost,
 * or another worker finished the run first), the poll loop archives it the usual owner-checked way.
 */
async function finishAndArchive(
  run: Run,
  message: QueueMessage,
  outcome: { output: unknown } | { error: unknown },
): Promise<MessageOutcome> {
  let archived = false;
  await finish(async () => {
    archived = await run.finishAndArchive(outcome, message);
  });
  return archived ? { action: "keep" } : { action: "archive" };
}

async function outcomeOfFailure(
  run: Run,
  err: unknown,
  readCt: number,
  now: () => Date,
): Promise<WorkflowMessageOutcome> {
  // A step that succeeded just before the failure still has its output to write. If that write fails too, the
  // step runs again at the next delivery (at least once), which is what a crash at this point would mean.
  await run.flushDeferred().catch(() => undefined);
  // A step's error with a retry scheduled (as thrown, or wrapped as a cause): the run waits for the retry.
  const stepRetryAt = run.stepRetryOf(err);
  if (stepRetryAt !== undefined) return { action: "release", visibleAt: stepRetryAt, refund: true, cause: err };
  if (err instanceof PgqrsError) {
    switch (err.code) {
      case "CANCELLED":
        return { action: "archive" };
      case "TRANSIENT":
      case "STEP_NOT_READY": {
        const retryAt = err.details.retryAt;
        if (retryAt instanceof Date) return { action: "release", visibleAt: retryAt, refund: true, cause: err };
        // Thrown outside a step: no step policy bounds it, so it counts as a delivery (maxReadCt ends it) and backs
        // off by delivery count so the message is not spun on.
        const delay = retryDelayMs(run.retryPolicy.backoff, Math.max(0, readCt - 1));
        return { action: "release", visibleAt: new Date(now().getTime() + delay), cause: err };
      }
      case "PAUSED": {
        const resumeAfterMs = Number(err.details.resumeAfterMs ?? 0);
        await finish(() => run.pause(String(err.details.message ?? err.message), resumeAfterMs));
        const retryAt = err.details.retryAt;
        return {
          action: "release",
          refund: true,
          visibleAt: retryAt instanceof Date ? retryAt : new Date(now().getTime() + resumeAfterMs),
          cause: err,
        };
      }
      case "CONFLICT":
        // A concurrent attempt won the step, or took it over from this one; look again shortly instead of failing
        // the run.
        return { action: "release", visibleAt: new Date(now().getTime() + 1000), refund: true, cause: err };
      case "STORE_CLOSED":
        return { action: "keep" };
      default:
        break;
    }
  }
  const json = stepErrorJson(err);
  await finish(() => run.fail(json));
  return { action: "archive" };
}

/** A write that loses to a concurrent terminal transition (another worker finished the run) is not an error. */
async function finish(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (err instanceof PgqrsError && err.code === "INVALID_STATE_TRANSITION") return;
    throw err;
  }
}
