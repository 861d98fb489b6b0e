import { setRetention } from "../admin/retention.js";
import { PgqrsError, ValidationError } from "../errors.js";
import type { Consumer } from "../queue/consumer.js";
import type { PollLoopEnd } from "../queue/poll-loop.js";
import type { Producer } from "../queue/producer.js";
import type { ListRunsParams } from "../store/store.js";
import { type RunRecord, type StepRecord, WORKFLOW_STATUSES, type WorkflowRecord } from "../types.js";
import { assertCount, assertId, assertOptionalOneOf, assertPage, MAX_DEQUEUE_BATCH } from "../validation/arguments.js";
import { assertIntervalMs, assertSeconds } from "../validation/time-arguments.js";
import { isWorkflowDefinition, type WorkflowDefinition } from "../workflow/definition.js";
import { runForMessage } from "../workflow/workflow-handler.js";
import type { TypedRunRecord } from "../workflow/run-result.js";
import { assertWorkflowPrefetch, serveWorkflow } from "../workflow/workflow-worker.js";
import type { Store } from "./pgqrs-store.js";
import { TriggerBuilder, workflowNotFound } from "./trigger-builder.js";

export { TriggerBuilder } from "./trigger-builder.js";

/**
 * `pgqrs.workflow()` / `pgqrs.workflow(name)`: create, trigger, serve, inspect and cancel a workflow.
 * Serving (`poll`) needs a definition (`.name(def)`); the rest only needs the name.
 * @typeParam Input - The workflow's input type (taken from the definition given to `.name`).
 * @typeParam Output - The workflow's output type.
 */
export class WorkflowBuilder<Input = unknown, Output = unknown> {
  #name: string | undefined;
  #def: WorkflowDefinition<Input, Output> | undefined;
  #producer: Producer | undefined;
  #consumer: Consumer | undefined;
  #concurrency = 1;
  #pollMs: number | undefined;
  #vtSeconds: number | undefined;
  #prefetch: number | undefined;
  #signal: AbortSignal | undefined;
  #onError: ((err: unknown) => void) | undefined;
  #anyVersion = false;

  /** A builder of the workflow `name` (a definition or a name; see {@link name}), or of none yet. */
  constructor(name?: string | WorkflowDefinition<Input, Output>) {
    if (name !== undefined) this.name(name);
  }

  /** The workflow, by definition (needed to serve) or by name. */
  name<I, O>(def: string | WorkflowDefinition<I, O>): WorkflowBuilder<I, O> {
    const self = this as unknown as WorkflowBuilder<I, O>;
    if (isWorkflowDefinition(def)) {
      self.#def = def as WorkflowDefinition<I, O>;
      self.#name = def.name;
    } else if (typeof def === "string" && def.length > 0) {
      self.#name = def;
    } else {
      throw new ValidationError("workflow definition is required");
    }
    return self;
  }

  /** Trigger through a registered producer instead of the store's ephemeral one. */
  producer(producer: Producer): this {
    this.#producer = producer;
    return this;
  }

  /** The consumer that serves the workflow's queue. */
  consumer(consumer: Consumer): this {
    this.#consumer = consumer;
    return this;
  }

  /** Runs in flight at once when serving. Default 1. */
  concurrency(n: number): this {
    this.#concurrency = n;
    return this;
  }

  /** Idle poll period when serving, ms. */
  pollInterval(ms: number): this {
    this.#pollMs = ms;
    return this;
  }

  /** Lease per message when serving, seconds. */
  withVt(seconds: number): this {
    this.#vtSeconds = seconds;
    return this;
  }

  /**
   * Trigger messages the worker may claim ahead of its free slots when serving (runs started by the claim, waiting
   * in memory for a slot): see `WorkflowWorkerOptions.prefetch`. Default: twice the concurrency (8 to 200)
   * where statements are network round trips (PostgreSQL), 0 where a claim is a local call (SQLite). `0` claims only
   * for free slots.
   */
  prefetch(n: number): this {
    this.#prefetch = n;
    return this;
  }

  /** Stop serving when aborted. */
  signal(signal: AbortSignal): this {
    this.#signal = signal;
    return this;
  }

  /** Errors that do not stop the worker loop. */
  onError(listener: (err: unknown) => void): this {
    this.#onError = listener;
    return this;
  }

  /**
   * Serve runs of every version, not only the definition's own (see `defineWorkflow({ version })`): for a worker
   * that drains the runs of older versions with code that handles them all.
   */
  anyVersion(): this {
    this.#anyVersion = true;
    return this;
  }

  /** Create the definition (and its queue); idempotent. Sets the definition's `retention` when it has one. */
  async create(store: Store): Promise<WorkflowRecord> {
    const wf = await store.createWorkflow(this.#requireName());
    const retention = this.#def?.retention;
    if (retention !== undefined) await setRetention(store.context, wf.name, retention);
    return wf;
  }

  /**
   * Prepare a trigger with `input` (typed by the definition; validated like any payload); `.execute(store)`
   * enqueues `{ input }` (`{ input, version }` for a definition with a version, recorded on its run) and resolves with the trigger message, which carries `result()`, `status()`, `runId()`
   * and `cancel()`.
   */
  trigger(input: Input): TriggerBuilder<Input, Output> {
    return new TriggerBuilder<Input, Output>(this.#requireName(), input, this.#producer, this.#def?.version);
  }

  /**
   * Serve the workflow with the consumer until it is interrupted (resolves `"interrupted"`) or the signal aborts
   * (`"aborted"`). Failures of runs are recorded on the runs; the loop goes on.
   */
  poll(store: Store): Promise<PollLoopEnd> {
    if (this.#def === undefined) {
      return Promise.reject(new ValidationError("workflow definition is required"));
    }
    if (this.#consumer === undefined) {
      return Promise.reject(new ValidationError("consumer is required"));
    }
    try {
      // A workflow worker claims one message per free slot: concurrency is bounded as a claim's batch is.
      assertCount("concurrency", this.#concurrency, { min: 1, max: MAX_DEQUEUE_BATCH });
      if (this.#pollMs !== undefined) assertIntervalMs("pollInterval", this.#pollMs);
      if (this.#vtSeconds !== undefined) assertSeconds("withVt", this.#vtSeconds);
      if (this.#prefetch !== undefined) assertWorkflowPrefetch(this.#concurrency, this.#prefetch);
    } catch (err) {
      return Promise.reject(err);
    }
    const options: Parameters<typeof serveWorkflow>[3] = { concurrency: this.#concurrency };
    if (this.#pollMs !== undefined) options.pollIntervalMs = this.#pollMs;
    if (this.#vtSeconds !== undefined) options.vtSeconds = this.#vtSeconds;
    if (this.#prefetch !== undefined) options.prefetch = this.#prefetch;
    if (this.#signal !== undefined) options.signal = this.#signal;
    if (this.#onError !== undefined) options.onError = this.#onError;
    if (this.#anyVersion) options.versions = "any";
    return serveWorkflow(store.context, this.#def as WorkflowDefinition, this.#consumer, options);
  }

  /**
   * The run of a trigger message, its `output` typed by the definition. RUN_NOT_FOUND until a worker (or
   * `run().execute()`) created it.
   */
  async getRun(messageId: number, store: Store): Promise<TypedRunRecord<Output>> {
    store.context.assertOpen();
    assertId("messageId", messageId);
    const run = await store.context.backend.getRunByMessageId(messageId);
    if (run === null) {
      throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id 'message_id:${messageId}' not found`, {
        details: { messageId },
      });
    }
    return run as TypedRunRecord<Output>;
  }

  /** Request cancellation of the run of a trigger message (creating the run if no worker has seen it yet). */
  async cancel(messageId: number, store: Store): Promise<RunRecord> {
    store.context.assertOpen();
    assertId("messageId", messageId);
    const message = await store.context.backend.getMessage(messageId);
    if (message === null) {
      throw new PgqrsError("MESSAGE_NOT_FOUND", `Message with id '${messageId}' not found`, { details: { messageId } });
    }
    const run = await runForMessage(store.context, message);
    await run.cancel();
    return run.record;
  }

  /** Runs of this workflow, newest first, optionally by status; paginated. */
  async runs(store: Store, params: Omit<ListRunsParams, "workflowId"> = {}): Promise<RunRecord[]> {
    assertPage(params);
    assertOptionalOneOf("status", params.status, WORKFLOW_STATUSES);
    const wf = await this.#requireRecord(store);
    return store.context.backend.listRuns({ ...params, workflowId: wf.id });
  }

  /** Steps of a run, in creation order. */
  async steps(runId: number, store: Store): Promise<StepRecord[]> {
    store.context.assertOpen();
    assertId("runId", runId);
    return store.context.backend.listSteps({ runId });
  }

  async #requireRecord(store: Store): Promise<WorkflowRecord> {
    store.context.assertOpen();
    const name = this.#requireName();
    const wf = await store.context.backend.getWorkflowByName(name);
    if (wf === null) throw workflowNotFound(name);
    return wf;
  }

  #requireName(): string {
    if (this.#name === undefined) {
      throw new ValidationError("workflow definition is required");
    }
    return this.#name;
  }
}

/** Start a workflow builder, optionally with the workflow's name or definition. */
export function workflow<Input = unknown, Output = unknown>(
  name?: string | WorkflowDefinition<Input, Output>,
): WorkflowBuilder<Input, Output> {
  return new WorkflowBuilder<Input, Output>(name);
}
