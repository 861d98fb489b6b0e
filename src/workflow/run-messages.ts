/** Messages to a run: `send` from outside, `run.send` and `run.recv` inside a workflow. */
import { ValidationError } from "../errors.js";
import { serializePayload } from "../queue/payload-validation.js";
import type { RunMessageRecord } from "../store/run-primitives.js";
import type { StepRecord } from "../types.js";
import { assertId } from "../validation/arguments.js";
import { assertMilliseconds, timeAfter } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import type { Run } from "./run.js";
import { assertName, beginOp, checkOpRow, field, finishOp, peekOp, recordOp } from "./run-op.js";
import { RunWaitSignal, WAIT_BACKSTOP_MS } from "./run-waits.js";
import { createStoreMemo } from "./store-memo.js";

/** Options of {@link sendMessage}. */
export interface SendOptions {
  /** A second send to the same run with the same key returns the first message and writes nothing. */
  idempotencyKey?: string;
}

/** Options of `run.recv`. */
export interface RecvOptions {
  /** Give up after this long, ms (0 to 100 years), counted from the first time the run reaches the `recv`. */
  timeoutMs?: number;
}

/**
 * Send `payload` (any JSON value) on `topic` to run `runId`, and wake the run if it waits. RUN_NOT_FOUND for an
 * unknown run, INVALID_STATE_TRANSITION for a finished one, VALIDATION_FAILED for a bad topic, key or payload:
 * nothing is written then.
 */
export async function sendMessage(
  ctx: EngineContext,
  runId: number,
  topic: string,
  payload: unknown,
  options: SendOptions & { senderRunId?: number; now?: Date } = {},
): Promise<RunMessageRecord> {
  assertId("runId", runId);
  assertName("topic", topic);
  if (options.idempotencyKey !== undefined) assertName("idempotencyKey", options.idempotencyKey);
  const json = serializePayload(payload === undefined ? null : payload, ctx.config.validationConfig);
  ctx.assertOpen();
  const { message } = await ctx.backend.sendRunMessage({
    runId,
    topic,
    payload: json,
    idempotencyKey: options.idempotencyKey ?? null,
    senderRunId: options.senderRunId ?? null,
    now: options.now ?? ctx.clock.now(),
  });
  await signalRunQueue(ctx, runId);
  return message;
}

/**
 * Tell this store's own idle consumers of the run's queue that its message may be visible (other processes learn
 * it from the database's notification, or their next poll on SQLite).
 */
export async function signalRunQueue(ctx: EngineContext, runId: number): Promise<void> {
  // No consumer of this store listens: nothing to look up.
  if (!ctx.enqueueSignals.listening) return;
  // A run this store has handled: its queue is known (a run's trigger message stays on its workflow's queue).
  const known = runQueues.get(ctx, runId);
  if (known !== undefined) {
    ctx.enqueueSignals.signal(known);
    return;
  }
  const run = await ctx.backend.getRun(runId);
  if (run === null) return;
  const queueId = await workflowQueueId(ctx, run.workflowId);
  if (queueId !== null) ctx.enqueueSignals.signal(queueId);
}

/** Run id → its trigger message's queue id, for the runs a store handled (see {@link rememberRunQueue}). */
const runQueues = createStoreMemo(10_000);

/** Workflow id → its queue's id: a workflow keeps its queue for life (a new one gets a new id). */
const workflowQueues = createStoreMemo(10_000);

/**
 * Remember the queue of a run this store handles, so a child's end or a send to it signals that queue without
 * reading the run.
 */
export function rememberRunQueue(ctx: EngineContext, runId: number, queueId: number): void {
  runQueues.set(ctx, runId, queueId);
}

async function workflowQueueId(ctx: EngineContext, workflowId: number): Promise<number | null> {
  const queueId = workflowQueues.get(ctx, workflowId);
  if (queueId !== undefined) return queueId;
  const wf = await ctx.backend.getWorkflowById(workflowId);
  if (wf === null) return null;
  workflowQueues.set(ctx, workflowId, wf.queueId);
  return wf.queueId;
}

/** `run.send`: {@link sendMessage} done once per operation name, however often the run is replayed. */
export async function sendFromRun(
  run: Run,
  name: string,
  runId: number,
  topic: string,
  payload: unknown,
): Promise<void> {
  assertName("name", name);
  assertId("runId", runId);
  assertName("topic", topic);
  serializePayload(payload === undefined ? null : payload, run.context.config.validationConfig);
  await run.activity.track(
    (async () => {
      // Sent first (idempotent by its key), recorded after: a refused send writes nothing.
      const seen = await peekOp(run, name, "send");
      if (seen?.status === "SUCCESS") return;
      const message = await sendMessage(run.context, runId, topic, payload, {
        idempotencyKey: `run:${run.id}:${name}`,
        senderRunId: run.id,
        now: run.now(),
      });
      await recordOp(run, name, "send", { runId, topic }, { messageId: message.id });
    })(),
  );
}

/**
 * `run.recv`: the payload of the oldest message on `topic` sent to this run and not received yet, or `null` once
 * `timeoutMs` has passed. Exactly once: a message is consumed by one `recv`, and a replay returns the same payload
 * for the same name. While nothing has arrived the run waits PAUSED; a `send` wakes it.
 */
export async function recvInRun<T>(
  run: Run,
  name: string,
  topic: string,
  options: RecvOptions = {},
): Promise<T | null> {
  assertName("name", name);
  assertName("topic", topic);
  if (options.timeoutMs !== undefined) assertMilliseconds("timeoutMs", options.timeoutMs);
  const deadline = options.timeoutMs === undefined ? null : timeAfter("timeoutMs", run.now(), options.timeoutMs);
  return run.activity.track(recvOp<T>(run, name, topic, deadline));
}

async function recvOp<T>(run: Run, name: string, topic: string, deadline: Date | null): Promise<T | null> {
  const input = { topic, until: deadline?.toISOString() ?? null };
  const combined = await recvInOneStatement(run, name, topic, input);
  if (combined?.message !== undefined && combined.message !== null) return combined.message.payload as T;
  const step = combined?.step ?? (await beginOp(run, name, "recv", input));
  if (step.status === "SUCCESS") return received<T>(step.output);
  const storedTopic = field(step.input, "topic");
  if (typeof storedTopic === "string" && storedTopic !== topic) {
    throw new ValidationError(`recv '${name}' of run ${run.id} waits on topic '${storedTopic}', not '${topic}'`, {
      argument: "topic",
      name,
    });
  }
  // The one-statement form already looked for a message.
  if (combined === undefined) {
    const message = await run.context.backend.receiveRunMessage({
      runId: run.id,
      topic,
      stepName: name,
      now: run.now(),
    });
    if (message !== null) return message.payload as T;
  }
  const storedUntil = field(step.input, "until");
  const until = typeof storedUntil === "string" ? new Date(storedUntil) : null;
  const now = run.now();
  if (until !== null && now.getTime() >= until.getTime()) {
    return received<T>(await finishOp(run, name, { timedOut: true }));
  }
  const backstop = new Date(now.getTime() + WAIT_BACKSTOP_MS);
  const wait = {
    waitingFor: { kind: "message" as const, topic, name, ...(until === null ? {} : { until }) },
    until: until !== null && until.getTime() < backstop.getTime() ? until : backstop,
    wakeIf: [{ kind: "message" as const, topic }],
  };
  run.activity.addWait(wait);
  throw new RunWaitSignal(run.id, wait);
}

/**
 * The backend's one-statement `recv` (the operation's row and the message it takes), checked as `beginOp` checks;
 * `undefined` when the backend has none.
 */
async function recvInOneStatement(
  run: Run,
  name: string,
  topic: string,
  input: unknown,
): Promise<{ step: StepRecord; message: RunMessageRecord | null } | undefined> {
  const ctx = run.context;
  if (ctx.backend.recvRunOp === undefined) return undefined;
  ctx.assertOpen();
  await run.flushDeferred();
  const found = await ctx.backend.recvRunOp({
    runId: run.id,
    stepName: name,
    topic,
    input: JSON.stringify(input),
    now: run.now(),
  });
  const step = await checkOpRow(run, name, "recv", found);
  return { step, message: found.message };
}

/** A `recv` step's stored output: `{ messageId, payload }` or `{ timedOut: true }`. */
function received<T>(output: unknown): T | null {
  if (field(output, "timedOut") === true) return null;
  return (field(output, "payload") ?? null) as T | null;
}

/** The messages of run `runId`, oldest first. */
export async function listMessages(ctx: EngineContext, runId: number): Promise<RunMessageRecord[]> {
  assertId("runId", runId);
  ctx.assertOpen();
  return ctx.backend.listRunMessages({ runId });
}
