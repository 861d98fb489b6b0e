import type { Store } from "../api/pgqrs-store.js";
import { PgqrsError } from "../errors.js";
import type { QueueMessage } from "../types.js";
import type { WorkflowDefinition } from "./definition.js";
import { handleWorkflowMessage } from "./workflow-handler.js";

/**
 * A `dequeue().handle()` handler of workflow messages (a `MessageHandler` that needs no context, so it may also be
 * called with the message alone).
 */
export type WorkflowMessageHandler = (message: QueueMessage) => Promise<void>;

/**
 * A `dequeue().handle()` handler that runs workflow `definition` for each message it is given, pgqrs's
 * `workflow_handler`:
 *
 * ```ts
 * await pgqrs.dequeue().worker(consumer).handle(pgqrs.workflowHandler(store, def)).poll(store);
 * ```
 *
 * The run's outcome is recorded as a workflow worker records it. A finished run (SUCCESS, ERROR, CANCELLED)
 * resolves, and the loop archives the message (already archived together with the run's outcome, when the
 * consumer still held it). A retry, a pause or a step not ready yet puts the message back, visible when it is due
 * and not counted toward `maxReadCt`, then rejects with the error that caused it, so the loop neither archives nor
 * releases it again (its owner-checked release then finds nothing to release) and goes on serving. The
 * loop's `onError` sees those errors. A single-message handler: the loop's batch size must be 1.
 */
export function workflowHandler<Input, Output>(
  store: Store,
  definition: WorkflowDefinition<Input, Output>,
): WorkflowMessageHandler {
  return handlerOf(store, definition, undefined);
}

/**
 * {@link workflowHandler} with every run's time pinned to `time` (`run.withTime`), for deterministic step
 * acquisition and retry schedules in tests: pgqrs's `workflow_handler_with_time`.
 */
export function workflowHandlerWithTime<Input, Output>(
  store: Store,
  definition: WorkflowDefinition<Input, Output>,
  time: Date,
): WorkflowMessageHandler {
  return handlerOf(store, definition, new Date(time.getTime()));
}

function handlerOf<Input, Output>(
  store: Store,
  definition: WorkflowDefinition<Input, Output>,
  at: Date | undefined,
): WorkflowMessageHandler {
  const def = definition as WorkflowDefinition;
  return async (message: QueueMessage) => {
    const ctx = store.context;
    const outcome = await handleWorkflowMessage(ctx, def, message, { at });
    if (outcome.action !== "release") return;
    if (message.consumerWorkerId !== null) {
      // The handler contract can only say "archive" or "release now": the due time is set here instead.
      await ctx.backend.release({
        ids: [message.id],
        workerId: message.consumerWorkerId,
        now: ctx.clock.now(),
        visibleAt: outcome.visibleAt,
        refundDelivery: outcome.refund === true,
      });
    }
    throw (
      outcome.cause ??
      new PgqrsError("TRANSIENT", `Workflow run of message ${message.id} rescheduled`, {
        details: { messageId: message.id, visibleAt: outcome.visibleAt },
      })
    );
  };
}
