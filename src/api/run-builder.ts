import { ValidationError } from "../errors.js";
import type { QueueMessage } from "../types.js";
import { assertId } from "../validation/arguments.js";
import { assertIntervalMs, assertTimeoutMs } from "../validation/time-arguments.js";
import type { Run } from "../workflow/run.js";
import { assertTriggerQueue, type ResultOptions, settledOutput, waitForResult } from "../workflow/run-result.js";
import { runForMessage } from "../workflow/workflow-handler.js";
import type { Store } from "./pgqrs-store.js";
import type { TriggerControls } from "./trigger-message.js";

/**
 * The output type a message's run resolves with: `Output` of a {@link TriggerMessage} (what
 * `workflow(def).trigger(input).execute(store)` returns), `unknown` for a plain queue message.
 */
export type RunOutputOf<M> = M extends TriggerControls<infer Output> ? Output : unknown;

/**
 * `pgqrs.run().message(m).store(s)`: the run of a trigger message. `Output`: the type `get()` and `result()`
 * resolve with, taken from a typed trigger message (default `unknown`).
 * @typeParam Output - The workflow's output type (`unknown` unless the trigger message is typed).
 */
export class RunBuilder<Output = unknown> {
  #message: QueueMessage | undefined;
  #store: Store | undefined;

  /**
   * The trigger message whose run this is (required). A {@link TriggerMessage} carries its definition's output
   * type, which `get()` and `result()` then resolve with.
   */
  message<M extends QueueMessage>(message: M): RunBuilder<RunOutputOf<M>> {
    this.#message = message;
    return this as unknown as RunBuilder<RunOutputOf<M>>;
  }

  /** The store the message was enqueued on (required). */
  store(store: Store): this {
    this.#store = store;
    return this;
  }

  /** Get the run, creating it QUEUED if no one has yet. */
  async execute(): Promise<Run> {
    const [store, message] = this.#require("execute");
    return runForMessage(store.context, message);
  }

  /**
   * The output now: SUCCESS → output; ERROR → rejects EXECUTION_FAILED; CANCELLED → rejects CANCELLED;
   * not finished (or not created yet) → `undefined`. VALIDATION_FAILED for a message that is not a workflow
   * trigger (its queue has no workflow).
   */
  async get<T = Output>(): Promise<T | undefined> {
    const [store, message] = this.#require("get");
    store.context.assertOpen();
    const record = await store.context.backend.getRunByMessageId(message.id);
    if (record === null) await assertTriggerQueue(store.context, message.id, message.queueId);
    const state = settledOutput<T>(record);
    return state.done ? state.value : undefined;
  }

  /**
   * Wait for the output (bounded by `timeoutMs` / `signal`); rejects as {@link get} does for failed runs, and at
   * once with VALIDATION_FAILED for a message that is not a workflow trigger.
   */
  async result<T = Output>(options: ResultOptions = {}): Promise<T> {
    const [store, message] = this.#require("result");
    if (options.timeoutMs !== undefined) assertTimeoutMs("timeoutMs", options.timeoutMs);
    if (options.pollIntervalMs !== undefined) assertIntervalMs("pollIntervalMs", options.pollIntervalMs);
    return waitForResult<T>(store.context, message, options);
  }

  #require(op: string): [Store, QueueMessage] {
    if (this.#store === undefined) {
      throw new ValidationError(`Store is required for RunBuilder::${op}`);
    }
    if (this.#message === undefined) {
      throw new ValidationError(`QueueMessage is required for RunBuilder::${op}`);
    }
    assertId("message.id", this.#message.id);
    return [this.#store, this.#message];
  }
}

/** Start a run builder: `pgqrs.run().message(m).store(s)`, then `execute()`, `get()` or `result()`. */
export function run(): RunBuilder {
  return new RunBuilder();
}
