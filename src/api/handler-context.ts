/**
 * What a handler of `dequeue().handle(fn)` (and of a typed queue's worker) gets beside its message: the consumer
 * that holds it, and a way to report progress on it. A second argument, so handlers that take only the message are
 * unchanged.
 */
import type { Consumer } from "../queue/consumer.js";
import type { QueueMessage } from "../types.js";

/** The context of a single-message handler: `handle(async (message, { updateProgress }) => …)`. */
export interface MessageContext {
  /** The consumer holding the message (for its other owner-checked operations, e.g. `extendVt`). */
  readonly consumer: Consumer;
  /**
   * Report progress on the message being handled: `consumer.updateProgress(message.id, progress)`. Any JSON value,
   * read back as `QueueMessage.progress` (also by the handler of a redelivery, to resume from it). Resolves `false`,
   * nothing written, once the consumer no longer holds the message; VALIDATION_FAILED or PAYLOAD_TOO_LARGE as for a
   * payload.
   */
  updateProgress(progress: unknown): Promise<boolean>;
}

/** The context of a batch handler (`handleBatch`). */
export interface BatchContext {
  /** The consumer holding the messages. */
  readonly consumer: Consumer;
  /** Report progress on one message of the batch: `consumer.updateProgress(messageId, progress)`. */
  updateProgress(messageId: number, progress: unknown): Promise<boolean>;
}

/** @internal The context of `message`'s handler. */
export function messageContext(consumer: Consumer, message: QueueMessage): MessageContext {
  return { consumer, updateProgress: (progress) => consumer.updateProgress(message.id, progress) };
}

/** @internal The context of a batch handler of `consumer`. */
export function batchContext(consumer: Consumer): BatchContext {
  return { consumer, updateProgress: (messageId, progress) => consumer.updateProgress(messageId, progress) };
}
