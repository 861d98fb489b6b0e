import { ValidationError } from "../errors.js";
import type { Consumer } from "../queue/consumer.js";
import { type PollLoopEnd, runPollLoop } from "../queue/poll-loop.js";
import type { QueueMessage, RunRecord } from "../types.js";
import { assertCount, MAX_DEQUEUE_BATCH } from "../validation/arguments.js";
import { assertIntervalMs, assertSeconds } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { defaultPrefetch } from "../queue/prefetch.js";
import { traceProcess } from "../observability/tracing.js";
import { otelApi } from "../observability/tracing-api.js";
import { queueMaintenanceTask } from "../queue/queue-maintenance.js";
import type { WorkflowDefinition } from "./definition.js";
import { handleWorkflowMessage } from "./workflow-handler.js";
import { resolveWorkerVersions, type WorkerVersions } from "./workflow-versions.js";

/** Settings of a workflow worker loop. */
export interface WorkflowWorkerOptions {
  /** Runs in flight at once: an integer from 1 to 10,000. Default 1. */
  concurrency?: number;
  /** Idle poll period, ms (0 to 2^31 − 1). Default `config.pollIntervalMs`. */
  pollIntervalMs?: number;
  /** Lease per message, seconds (0 to 100 years). Default `config.defaultVtSeconds`. */
  vtSeconds?: number;
  /** Aborting it stops the loop (`done` settles `"aborted"`). Default: none. */
  signal?: AbortSignal;
  /** Errors that do not stop the loop (a workflow's own failures are recorded on its run instead). */
  onError?: (err: unknown) => void;
  /**
   * Runs of which versions it executes (runs without a version: always): `"any"`, or a non-empty list of versions
   * (1 to 64 characters each). Default: the definition's version, or `"any"` for an unversioned definition. Runs of
   * other versions are never claimed: they wait for a worker of their version.
   */
  versions?: WorkerVersions;
  /**
   * Trigger messages the loop may claim ahead of its free slots (runs started by the claim, waiting in memory for a
   * slot), so that a slot freed by a finished run starts the next one without a claim round trip. Used only while
   * runs take 25 ms or less on average and the lease is at least 2 s; a run that waited half its lease is given
   * back unrun (its message released, the delivery not counted), as are the waiting ones when the loop ends; a later
   * claim picks the started run up as any worker does after a crash. An integer from 0 to 10,000. Default: where
   * statements are network round trips (PostgreSQL) twice the concurrency, at least 8 and at most 200, as for
   * handler loops; 0 where a claim is a local call (SQLite, where claiming ahead measured no gain). `0` claims only
   * for free slots.
   */
  prefetch?: number;
}

/**
 * The default of {@link WorkflowWorkerOptions.prefetch}. Measured on PostgreSQL on a 2-core machine (3-step runs
 * drained from a backlog of 2,000 at concurrency 16, 8 alternated pairs): 1.34x the runs/s without prefetch
 * (median of the pairs' ratios; every pair at 1.0x or more). On SQLite the same drain ran at 0.97 to 0.99x with
 * 128, so none there.
 */
export function workflowDefaultPrefetch(concurrency: number, networkRoundTrips: boolean): number {
  return networkRoundTrips ? defaultPrefetch(concurrency, 1, true) : 0;
}

/**
 * VALIDATION_FAILED naming the option, before anything is written, unless `concurrency` is an integer from 1 to
 * 10,000 (a claim's bound), `pollIntervalMs` 0 to 2^31 − 1 ms and `vtSeconds` 0 to 100 years.
 */
export function checkWorkflowWorkerOptions(options: WorkflowWorkerOptions): void {
  if (options.concurrency !== undefined) {
    assertCount("concurrency", options.concurrency, { min: 1, max: MAX_DEQUEUE_BATCH });
  }
  if (options.pollIntervalMs !== undefined) assertIntervalMs("pollIntervalMs", options.pollIntervalMs);
  if (options.vtSeconds !== undefined) assertSeconds("vtSeconds", options.vtSeconds);
  if (options.versions !== undefined) resolveWorkerVersions(undefined, options.versions);
  if (options.prefetch !== undefined) assertWorkflowPrefetch(options.concurrency ?? 1, options.prefetch);
}

/**
 * VALIDATION_FAILED naming the option unless `prefetch` is an integer from 0 to 10,000 and `concurrency +
 * prefetch` is at most 10,000 (the most one claim takes).
 */
export function assertWorkflowPrefetch(concurrency: number, prefetch: number): void {
  assertCount("prefetch", prefetch, { max: MAX_DEQUEUE_BATCH });
  if (concurrency + prefetch > MAX_DEQUEUE_BATCH) {
    throw new ValidationError(
      `concurrency + prefetch must be at most ${MAX_DEQUEUE_BATCH} (the most one claim takes), got ${concurrency + prefetch}`,
      { argument: "prefetch" },
    );
  }
}

/** Serve a workflow with a consumer until it is interrupted or the signal aborts. */
export function serveWorkflow(
  ctx: EngineContext,
  def: WorkflowDefinition,
  consumer: Consumer,
  options: WorkflowWorkerOptions = {},
): Promise<PollLoopEnd> {
  const vtSeconds = options.vtSeconds ?? ctx.config.defaultVtSeconds;
  const concurrency = options.concurrency ?? 1;
  const prefetch = options.prefetch ?? workflowDefaultPrefetch(concurrency, ctx.backend.capabilities.networkRoundTrips);
  // `null`: any version, with the claim of an unversioned workflow unchanged.
  const versions = resolveWorkerVersions(def.version, options.versions) ?? undefined;
  // Runs started by the claim itself, by message id, until their message's handler picks them up.
  const started = new Map<number, RunRecord>();
  const claim = async (limit: number): Promise<QueueMessage[]> => {
    const claimed = await consumer.dequeueStartingRuns(limit, vtSeconds, versions);
    if (claimed === undefined) return consumer.dequeue({ batchSize: limit, vtSeconds });
    for (const { message, run } of claimed) if (run !== null) started.set(message.id, run);
    return claimed.map((c) => c.message);
  };
  // Looked up once per loop: without OpenTelemetry a run costs nothing more.
  const api = otelApi();
  return runPollLoop({
    consumer,
    batchSize: 1,
    concurrency,
    vtSeconds,
    claim,
    prefetch,
    // A run given back unrun gives back its start too (it was never attempted), and is picked up by whichever claim
    // takes its message next, with the run it finds then.
    onGivenBack: async (messages) => {
      const runs: { id: number; attempts: number }[] = [];
      for (const m of messages) {
        const run = started.get(m.id);
        started.delete(m.id);
        if (run?.status === "RUNNING") runs.push({ id: run.id, attempts: run.attempts });
      }
      if (runs.length === 0 || ctx.backend.unstartRuns === undefined) return;
      await ctx.backend.unstartRuns({ runs, workerId: consumer.id, now: consumer.now() });
    },
    // A trigger enqueued through this store while the worker idles comes straight from its insert, run started;
    // not to a versioned worker, which must not take a trigger of another version (it claims them instead).
    acceptHandoffs: ctx.backend.enqueueAndStartRun !== undefined && versions === undefined,
    onHandedOffRun: (message, run) => {
      if (run !== null) started.set(message.id, run);
    },
    pollIntervalMs: options.pollIntervalMs ?? ctx.config.pollIntervalMs,
    now: () => consumer.now(),
    maintenance: queueMaintenanceTask(ctx, consumer),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    process: async ([message]) => {
      if (message === undefined) return [];
      const run = started.get(message.id);
      started.delete(message.id);
      const options = { now: () => consumer.now(), startedRun: run };
      if (api === null) return [await handleWorkflowMessage(ctx, def, message, options)];
      const handle = () => handleWorkflowMessage(ctx, def, message, options);
      return [await traceProcess(api, consumer.queue.queueName, [message], handle)];
    },
  });
}

/** A running workflow worker: its consumer and the promise of its loop. */
export class WorkflowWorker {
  /** The consumer the loop claims trigger messages with. */
  readonly consumer: Consumer;
  /** Settles when the loop ends: `"interrupted"` or `"aborted"`, or rejects with the error that stopped it. */
  readonly done: Promise<PollLoopEnd>;

  /**
   * Internal: created by `consumer(...).handler(def).create(store)`, which registers the consumer and starts the loop.
   */
  constructor(consumer: Consumer, done: Promise<PollLoopEnd>) {
    this.consumer = consumer;
    this.done = done;
  }

  /** Interrupt the consumer and wait for in-flight runs to finish their current attempt. */
  async interrupt(): Promise<PollLoopEnd> {
    await this.consumer.interrupt();
    return this.done;
  }
}
