/**
 * The worker of a typed queue (`defineQueue(…).worker(store, handler, options)`): a registered consumer serving
 * one handler in a poll loop, built on `pgqrs.dequeue().worker(consumer).handle(fn).poll(store)`.
 */
import { ValidationError } from "../errors.js";
import type { Consumer, DequeueOptions, StopOptions } from "../queue/consumer.js";
import type { MessageIterator, MessageIteratorOptions } from "../queue/message-iterator.js";
import type { PollLoopEnd } from "../queue/poll-loop.js";
import type { RetryOptions } from "../queue-controls-types.js";
import type { QueueMessage } from "../types.js";
import { type DequeueBuilder, dequeue } from "./dequeue-builder.js";
import type { MessageContext } from "./handler-context.js";

/**
 * A consumer of a typed queue: a {@link Consumer} whose claims carry the queue's payload type (`dequeue`,
 * `dequeueMany`, `messages`). Everything else, and every place that takes a `Consumer`, works as usual.
 */
export type QueueConsumer<T> = TypedClaims<T> & Consumer;

/**
 * The claims of a {@link QueueConsumer}, typed by the queue's payload.
 * @typeParam T - The queue's payload type.
 */
export interface TypedClaims<T> {
  /** Claim up to `batchSize` messages, oldest first, in one statement (see `Consumer.dequeue`). */
  dequeue(options?: DequeueOptions): Promise<QueueMessage<T>[]>;
  /** pgqrs's `dequeue_many(limit)`. */
  dequeueMany(limit: number, vtSeconds?: number): Promise<QueueMessage<T>[]>;
  /** Iterate over messages as they come (see `Consumer.messages`). */
  messages(options?: MessageIteratorOptions): MessageIterator<T>;
}

/**
 * Handles one message of a typed queue. Resolving archives the message; throwing releases it for a retry.
 * `context` (optional to take) reports progress on it (see {@link MessageContext}).
 */
export type QueueHandler<T> = (message: QueueMessage<T>, context: MessageContext) => Promise<unknown> | unknown;

/** How a typed queue's worker runs. Every field is optional. */
export interface QueueWorkerOptions {
  /** Handlers in flight at once: an integer 1 to 10,000. Default 1. */
  concurrency?: number;
  /** Ends the loop when aborted: no more claims, handlers in flight finish, the worker is left `stopped`. */
  signal?: AbortSignal;
  /** The consumer's worker name (non-empty, no NUL). Default `<hostname>-<uuid>`. */
  name?: string;
  /** Lease of each claimed message, seconds, 0 to 100 years. Default `config.defaultVtSeconds` (30). */
  vtSeconds?: number;
  /** Longest wait between empty claims, milliseconds, 0 to 2^31 − 1. Default `config.pollIntervalMs` (250). */
  pollIntervalMs?: number;
  /** Messages claimed ahead of free handler slots (see `DequeueBuilder.prefetch`). Default: chosen by backend. */
  prefetch?: number;
  /** This worker's retry policy for handler failures, over the queue's (see `DequeueBuilder.retry`). */
  retry?: RetryOptions;
  /** A fixed visibility delay after a failure, seconds, instead of the retry policy's backoff. */
  releaseDelaySeconds?: number;
  /** Called with errors that do not end the loop (handler failures, failed acknowledgements). */
  onError?: (err: unknown) => void;
}

const WORKER_OPTIONS: ReadonlySet<string> = new Set([
  "concurrency",
  "signal",
  "name",
  "vtSeconds",
  "pollIntervalMs",
  "prefetch",
  "retry",
  "releaseDelaySeconds",
  "onError",
]);

/**
 * @internal The dequeue builder a worker's loop runs with, its options checked (VALIDATION_FAILED naming the
 * option, before anything is written).
 */
export function workerLoop<T>(handler: unknown, options: QueueWorkerOptions): DequeueBuilder<T> {
  if (typeof handler !== "function") {
    throw new ValidationError(`worker(store, handler, options): handler must be a function, got ${typeof handler}`, {
      argument: "handler",
    });
  }
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("worker(store, handler, options): options must be an object", { argument: "options" });
  }
  for (const key of Object.keys(options)) {
    if (!WORKER_OPTIONS.has(key)) {
      throw new ValidationError(`unknown worker option '${key}'; the options are ${[...WORKER_OPTIONS].join(", ")}`, {
        argument: key,
      });
    }
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new ValidationError("worker option signal must be an AbortSignal", { argument: "signal" });
  }
  if (options.onError !== undefined && typeof options.onError !== "function") {
    throw new ValidationError("worker option onError must be a function", { argument: "onError" });
  }
  let builder = dequeue<T>().concurrency(options.concurrency ?? 1);
  if (options.signal !== undefined) builder = builder.signal(options.signal);
  if (options.vtSeconds !== undefined) builder = builder.withVt(options.vtSeconds);
  if (options.pollIntervalMs !== undefined) builder = builder.pollInterval(options.pollIntervalMs);
  if (options.prefetch !== undefined) builder = builder.prefetch(options.prefetch);
  if (options.retry !== undefined) builder = builder.retry(options.retry);
  if (options.releaseDelaySeconds !== undefined) builder = builder.releaseDelay(options.releaseDelaySeconds);
  if (options.onError !== undefined) builder = builder.onError(options.onError);
  // The builder names the option by its method (`concurrency`, `withVt`, …) when a value is out of range.
  builder.checkArguments();
  return builder;
}

/**
 * A running worker of a typed queue. Stop it with {@link stop}, its `signal`, or `consumer.interrupt()`.
 * @typeParam T - The queue's payload type.
 */
export class QueueWorker<T> {
  /** The worker's registered consumer. */
  readonly consumer: QueueConsumer<T>;
  /**
   * Settles when the loop ends: `"aborted"` (the signal, or `stop`: the worker is `stopped`) or `"interrupted"`
   * (the worker is `suspended`); rejects with the error that ended it (SUSPENDED, WORKER_NOT_FOUND).
   */
  readonly done: Promise<PollLoopEnd>;

  /** Not for direct use: use `defineQueue(…).worker(store, handler, options)`. */
  constructor(consumer: QueueConsumer<T>, done: Promise<PollLoopEnd>) {
    this.consumer = consumer;
    this.done = done;
    // A loop that fails while nobody awaits `done` must not become an unhandled rejection; awaiting it still throws.
    done.catch(() => undefined);
  }

  /**
   * Stop in one call (see `Consumer.stop`): no more claims, handlers in flight may finish until `timeoutMs`
   * (default 30,000 ms), what is still held is released, and the worker is `stopped`. Resolves with the loop's end.
   */
  async stop(options: StopOptions = {}): Promise<PollLoopEnd> {
    await this.consumer.stop(options);
    return this.done;
  }
}
