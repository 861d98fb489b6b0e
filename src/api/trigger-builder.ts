/** `pgqrs.workflow().name(def).trigger(input)`: enqueue a workflow trigger, typed by its definition. */
import { PgqrsError } from "../errors.js";
import { workflowNotCreated } from "../workflow-not-created.js";
import { serializePayload } from "../queue/payload-validation.js";
import type { Producer } from "../queue/producer.js";
import type { QueueMessage, RunRecord } from "../types.js";
import { assertName as assertOpName } from "../workflow/run-op.js";
import { triggerPayload } from "../workflow/workflow-versions.js";
import type { Store } from "./pgqrs-store.js";
import { type TriggerMessage, triggerMessage } from "./trigger-message.js";

/**
 * What {@link TriggerBuilder.start} resolves with.
 * @typeParam Input - The workflow's input type.
 * @typeParam Output - The workflow's output type.
 */
export interface StartedTrigger<Input, Output> {
  /** The trigger message, with its run's controls. */
  message: TriggerMessage<Input, Output>;
  /** The run, QUEUED when just created. */
  run: RunRecord;
  /** `false` when an idempotency key returned an earlier trigger. */
  created: boolean;
}

/**
 * Enqueues a workflow trigger.
 * @typeParam Input - The workflow's input type (the trigger's payload).
 * @typeParam Output - The workflow's output type.
 */
export class TriggerBuilder<Input = unknown, Output = unknown> {
  readonly #name: string;
  readonly #input: Input;
  readonly #producer: Producer | undefined;
  readonly #version: string | undefined;
  #idempotencyKey: string | undefined;

  /** `version`: the definition's, recorded on the run (carried in the payload, `{ input, version }`). */
  constructor(name: string, input: Input, producer: Producer | undefined, version?: string) {
    this.#name = name;
    this.#input = input;
    this.#producer = producer;
    this.#version = version;
  }

  /**
   * Make the trigger idempotent: a second trigger of the same workflow with the same key (1 to 255 characters)
   * returns the first trigger's message and run, and creates nothing. The key is kept on the run
   * (`pgqrs_workflow_runs.idempotency_key`) for as long as the run exists.
   */
  idempotencyKey(key: string): this {
    this.#idempotencyKey = assertOpName("idempotencyKey", key);
    return this;
  }

  /**
   * Enqueue `{ input }` on the workflow's queue and create its run QUEUED, in one transaction; resolves with both
   * (with an idempotency key already used: the first trigger's, `created: false`). WORKFLOW_NOT_FOUND when the
   * workflow is not defined.
   */
  async start(store: Store): Promise<StartedTrigger<Input, Output>> {
    const ctx = store.context;
    ctx.assertOpen();
    const payload = serializePayload(triggerPayload(this.#input, this.#version), ctx.config.validationConfig);
    const started = await ctx.backend.triggerRun({
      workflowName: this.#name,
      payload,
      idempotencyKey: this.#idempotencyKey ?? null,
      parentRunId: null,
      now: ctx.clock.now(),
    });
    if (started.created) ctx.enqueueSignals.signal(started.message.queueId);
    const message = triggerMessage<Input, Output>(started.message as QueueMessage<{ input: Input }>, store);
    return { ...started, message };
  }

  /**
   * Enqueue `{ input }` on the workflow's queue; WORKFLOW_NOT_FOUND when it is not defined. Resolves with the
   * trigger message (`id` is the message id) carrying `result()`, `status()`, `runId()` and `cancel()`. With an
   * {@link idempotencyKey}, as {@link start}: a repeated key returns the first trigger's message. A definition with
   * a version triggers as {@link start} too (unless through a registered producer): its run exists, with its
   * version, from the trigger on, so `listRuns({ version })` shows it before any worker of that version saw it.
   */
  async execute(store: Store): Promise<TriggerMessage<Input, Output>> {
    if (this.#idempotencyKey !== undefined) return (await this.start(store)).message;
    // Versioned workers take no hand-offs, so a versioned trigger loses nothing by skipping the producer.
    if (this.#version !== undefined && this.#producer === undefined) return (await this.start(store)).message;
    store.context.assertOpen();
    const known = store.knowsWorkflow(this.#name);
    if (!known) await this.#lookUp(store);
    if (this.#producer === undefined && !store.hasEphemeralProducer(this.#name)) {
      // Checked before the first use registers the producer: a bad input writes nothing, not even a worker row.
      serializePayload(triggerPayload(this.#input, this.#version), store.context.config.validationConfig);
    }
    const producer = this.#producer ?? (await store.ephemeralProducer(this.#name));
    try {
      const message = await producer.enqueue(triggerPayload(this.#input, this.#version));
      return triggerMessage<Input, Output>(message as QueueMessage<{ input: Input }>, store);
    } catch (err) {
      // The workflow may have been deleted by another process since this store saw it: say so if it was.
      if (known && !(err instanceof PgqrsError && err.code === "VALIDATION_FAILED")) {
        store.markWorkflow(this.#name, false);
        await this.#lookUp(store);
      }
      throw err;
    }
  }

  async #lookUp(store: Store): Promise<void> {
    const wf = await store.context.backend.getWorkflowByName(this.#name);
    if (wf === null) throw workflowNotFound(this.#name);
    store.markWorkflow(this.#name, true);
  }
}

/** WORKFLOW_NOT_FOUND for `name`. */
export function workflowNotFound(name: string): PgqrsError {
  return workflowNotCreated(name);
}
