/**
 * The message `trigger(input).execute(store)` returns: the trigger's queue message (`id` is the message id, as
 * for any enqueue), typed by its workflow definition, with the run's controls bound to the store it was
 * triggered on. The controls are non-enumerable, so spreading or serialising the message gives the plain message.
 */
import { PgqrsError } from "../errors.js";
import type { QueueMessage, RunRecord, WorkflowStatus } from "../types.js";
import { assertIntervalMs, assertTimeoutMs } from "../validation/time-arguments.js";
import { type ResultOptions, waitForResult } from "../workflow/run-result.js";
import { runForMessage } from "../workflow/workflow-handler.js";
import type { Store } from "./pgqrs-store.js";

/**
 * The controls of a triggered run, on its trigger message.
 * @typeParam Output - The workflow's output type.
 */
export interface TriggerControls<Output> {
  /**
   * The run's id. The run is created (QUEUED) if no worker has picked the message up yet, as
   * `pgqrs.run().message(m).store(s).execute()` does.
   */
  runId(): Promise<number>;
  /**
   * Wait for the run's output, typed by the definition: SUCCESS → output; ERROR → rejects EXECUTION_FAILED;
   * CANCELLED → rejects CANCELLED; `timeoutMs` (milliseconds, default no limit) → TIMEOUT.
   */
  result(options?: ResultOptions): Promise<Output>;
  /** The run's status now; `QUEUED` while no worker has created the run. */
  status(): Promise<WorkflowStatus>;
  /**
   * Request cancellation (as `workflow(name).cancel(id, store)`): CANCELLING at once, CANCELLED at the run's next
   * step boundary. INVALID_STATE_TRANSITION for a finished run.
   */
  cancel(): Promise<RunRecord>;
}

/** A workflow's trigger message (payload `{ input }`) with the controls of its run. */
export type TriggerMessage<Input = unknown, Output = unknown> = QueueMessage<{ input: Input }> &
  TriggerControls<Output>;

/** Attach the run controls of `message` (a trigger of a workflow, on `store`) as non-enumerable methods. */
export function triggerMessage<Input, Output>(
  message: QueueMessage<{ input: Input }>,
  store: Store,
): TriggerMessage<Input, Output> {
  const ctx = store.context;
  const controls: TriggerControls<Output> = {
    async runId() {
      ctx.assertOpen();
      const existing = await ctx.backend.getRunByMessageId(message.id);
      return (existing ?? (await runForMessage(ctx, message)).record).id;
    },
    async result(options: ResultOptions = {}) {
      if (options.timeoutMs !== undefined) assertTimeoutMs("timeoutMs", options.timeoutMs);
      if (options.pollIntervalMs !== undefined) assertIntervalMs("pollIntervalMs", options.pollIntervalMs);
      return waitForResult<Output>(ctx, message, options);
    },
    async status() {
      ctx.assertOpen();
      return (await ctx.backend.getRunByMessageId(message.id))?.status ?? "QUEUED";
    },
    async cancel() {
      ctx.assertOpen();
      const current = await ctx.backend.getMessage(message.id);
      if (current === null) {
        throw new PgqrsError("MESSAGE_NOT_FOUND", `Message with id '${message.id}' not found`, {
          details: { messageId: message.id },
        });
      }
      const run = await runForMessage(ctx, current);
      await run.cancel();
      return run.record;
    },
  };
  for (const [key, value] of Object.entries(controls)) {
    Object.defineProperty(message, key, { value, enumerable: false, writable: true, configurable: true });
  }
  return message as TriggerMessage<Input, Output>;
}
