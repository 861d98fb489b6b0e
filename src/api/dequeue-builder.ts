import { PgqrsError, ValidationError } from "../errors.js";
import type { Consumer } from "../queue/consumer.js";
import { assertMayTakeWork, enterPolling } from "../queue/terminal-status.js";
import { createWaker } from "../queue/wait.js";
import type { RetryOptions } from "../queue-controls-types.js";
import type { QueueMessage } from "../types.js";
import { assertRetryOptions } from "../validation/queue-settings.js";
import { assertCount, MAX_DEQUEUE_BATCH } from "../validation/arguments.js";
import { assertDate, assertIntervalMs, assertMilliseconds, assertSeconds } from "../validation/time-arguments.js";
import { HandlerBuilder } from "./handler-builder.js";
import type { BatchContext, MessageContext } from "./handler-context.js";
import type { Store } from "./pgqrs-store.js";

export { HandlerBuilder } from "./handler-builder.js";
export type { BatchContext, MessageContext } from "./handler-context.js";

/**
 * A handler of one message. Resolving archives the message; throwing releases it. `context` (optional to take)
 * reports progress on it and names its consumer.
 */
export type MessageHandler<T = unknown> = (
  message: QueueMessage<T>,
  context: MessageContext,
) => Promise<unknown> | unknown;
/** A handler of a batch. Resolving archives the batch; throwing releases it. `context`: see {@link BatchContext}. */
export type BatchHandler<T = unknown> = (
  messages: QueueMessage<T>[],
  context: BatchContext,
) => Promise<unknown> | unknown;

/**
 * `pgqrs.dequeue()`: claim messages from a queue, once (`fetchOne`, `fetchAll`, `poll`) or in a loop
 * (`handle(fn).poll(store)`).
 * @typeParam T - The messages' payload type (the JSON value as parsed; `unknown` unless a typed queue or a type argument says).
 */
export class DequeueBuilder<T = unknown> {
  #queueName: string | undefined;
  #consumer: Consumer | undefined;
  #batchSize = 1;
  #vtSeconds: number | undefined;
  #pollMs: number | undefined;
  #untilMs: number | undefined;
  #atTime: Date | undefined;
  #abortSignal: AbortSignal | undefined;
  #concurrencyLimit = 1;
  #releaseDelaySeconds: number | undefined;
  #retryOptions: RetryOptions | undefined;
  #prefetchLimit: number | undefined;
  #errorListener: ((err: unknown) => void) | undefined;

  /** Use this store's ephemeral consumer of `queue`. */
  from(queue: string): this {
    this.#queueName = queue;
    return this;
  }

  /** Use a registered consumer (wins over `from`). */
  worker(consumer: Consumer): this {
    this.#consumer = consumer;
    return this;
  }

  /** Messages per claim. Default 1. */
  batch(n: number): this {
    this.#batchSize = n;
    return this;
  }

  /** Lease length, seconds. Default `config.defaultVtSeconds` (30). */
  withVt(seconds: number): this {
    this.#vtSeconds = seconds;
    return this;
  }

  /** Idle wait between empty polls, milliseconds. Default `config.pollIntervalMs` (250). */
  pollInterval(ms: number): this {
    this.#pollMs = ms;
    return this;
  }

  /** Deadline of a one-shot `poll()`, milliseconds; it then returns `[]`. */
  until(ms: number): this {
    this.#untilMs = ms;
    return this;
  }

  /**
   * Reference time of the claims (tests): a message is claimable when it is visible at `time`, and leases run from
   * it. Applies to `fetchOne`, `fetchAll`, `poll` and to every claim of a handler loop (which then also releases
   * failed messages relative to `time` and takes no handoffs). Default: the store's clock at each claim.
   */
  at(time: Date): this {
    this.#atTime = time;
    return this;
  }

  /** Stop waiting / looping when aborted. */
  signal(signal: AbortSignal): this {
    this.#abortSignal = signal;
    return this;
  }

  /** Handlers in flight at once in a handler loop. Default 1. */
  concurrency(n: number): this {
    this.#concurrencyLimit = n;
    return this;
  }

  /**
   * Messages a handler loop may claim ahead of its free handler slots, so fast handlers start the next message
   * without waiting for a round trip and acknowledgements travel many at a time. Used only while handlers take
   * 25 ms or less on average and the lease is at least 2 s; a prefetched message that waited half its lease is given
   * back unrun, as are the waiting ones when the loop ends (their delivery not counted toward `maxReadCt`).
   * Default: on backends whose statements are network round trips (PostgreSQL) twice concurrency × batch, at least
   * 8 and at most 200; where a claim is a local call (SQLite, where a loop then refills only once half the prefetch
   * is used, so one write transaction settles and claims many messages) eight times concurrency × batch, at least
   * 64 and at most 400; 0 once concurrency × batch exceeds 256 (larger claims gain nothing from it). `0` claims
   * only for free slots.
   */
  prefetch(n: number): this {
    this.#prefetchLimit = n;
    return this;
  }

  /**
   * A fixed visibility delay after a handler fails, seconds, instead of the retry policy's backoff (the attempts
   * and the dead-lettering still follow the policy). Default: the backoff of {@link retry}.
   */
  releaseDelay(seconds: number): this {
    this.#releaseDelaySeconds = seconds;
    return this;
  }

  /**
   * This loop's retry policy for handler failures, over the queue's (`createQueue(name, { retry })`) and the
   * defaults: a failed message is visible again after `min(maxMs, baseMs × factor^(attempt − 1))` ms, shortened by
   * up to `jitter` of itself (defaults: baseMs 1,000, factor 2, maxMs 300,000, jitter 0.2), and the failure of
   * attempt `maxAttempts` (default the queue's, else `config.maxReadCt`, 5) dead-letters it in the same statement.
   * The error is kept on the message (`lastError`).
   */
  retry(options: RetryOptions): this {
    this.#retryOptions = options;
    return this;
  }

  /** Errors that do not end a handler loop (handler failures, failed acknowledgements). */
  onError(listener: (err: unknown) => void): this {
    this.#errorListener = listener;
    return this;
  }

  /** Claim one message, or `null`. */
  async fetchOne(store: Store): Promise<QueueMessage<T> | null> {
    this.checkArguments();
    const consumer = await this.resolveConsumer(store);
    const [m] = await this.claim(consumer, 1);
    return m ?? null;
  }

  /** Claim up to `batch` messages. */
  async fetchAll(store: Store): Promise<QueueMessage<T>[]> {
    this.checkArguments();
    const consumer = await this.resolveConsumer(store);
    return this.claim(consumer, this.#batchSize);
  }

  /**
   * Wait for messages and return the first claim (1..batch messages), or `[]` at the `until` deadline or on abort.
   * The worker is `polling` meanwhile and `ready` after.
   */
  async poll(store: Store): Promise<QueueMessage<T>[]> {
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) {
      throw new ValidationError("batch size must be >= 1 for poll");
    }
    this.checkArguments();
    const consumer = await this.resolveConsumer(store);
    await enterPolling(consumer);
    // Waits and the deadline run on the store clock's timers (real, or virtual in tests).
    const timers = consumer.timers;
    const waker = createWaker(timers);
    const unsubscribe = consumer.onStatusChange(() => waker.wake());
    const deadline = this.#untilMs === undefined ? Number.POSITIVE_INFINITY : timers.nowMs() + this.#untilMs;
    // Enqueues (this store's at once, other processes' through the database when it notifies) end the wait early.
    const stopListening = await consumer.listenForMessages(() => waker.wake()).catch(() => undefined);
    const interval = this.#pollMs ?? store.config.pollIntervalMs;
    try {
      while (true) {
        const got = await this.claim(consumer, this.#batchSize);
        if (got.length > 0 || timers.nowMs() >= deadline || this.#abortSignal?.aborted) {
          await this.#finishPoll(consumer);
          return got;
        }
        await waker.wait(Math.min(interval, deadline - timers.nowMs()), this.#abortSignal);
      }
    } finally {
      unsubscribe();
      await stopListening?.().catch(() => undefined);
    }
  }

  /** Handle one message at a time (archive on success, release on failure). */
  handle(fn: MessageHandler<T>): HandlerBuilder<T> {
    return new HandlerBuilder<T>(this, fn, undefined);
  }

  /** Handle a batch at a time (archive all on success, release all on failure). */
  handleBatch(fn: BatchHandler<T>): HandlerBuilder<T> {
    return new HandlerBuilder<T>(this, undefined, fn);
  }

  /**
   * @internal VALIDATION_FAILED naming the builder method, before anything is written, unless: `batch` is an
   * integer from 0 to 10,000; `withVt` and `releaseDelay` are 0 to 100 years (seconds); `until` is 0 to 100 years
   * (ms); `pollInterval` is 0 to 2^31 − 1 ms; `at` is a Date in 1970-9999; `concurrency` is an integer >= 1 and
   * `prefetch` >= 0 with `concurrency × batch + prefetch` (the most one claim of a loop takes) at most 10,000.
   */
  checkArguments(): void {
    assertCount("batch", this.#batchSize, { max: MAX_DEQUEUE_BATCH });
    if (this.#vtSeconds !== undefined) assertSeconds("withVt", this.#vtSeconds);
    if (this.#pollMs !== undefined) assertIntervalMs("pollInterval", this.#pollMs);
    if (this.#untilMs !== undefined) assertMilliseconds("until", this.#untilMs);
    if (this.#atTime !== undefined) assertDate("at", this.#atTime);
    if (this.#releaseDelaySeconds !== undefined) assertSeconds("releaseDelay", this.#releaseDelaySeconds);
    if (this.#retryOptions !== undefined) assertRetryOptions("retry", this.#retryOptions);
    assertCount("concurrency", this.#concurrencyLimit, { min: 1, max: MAX_DEQUEUE_BATCH });
    if (this.#prefetchLimit !== undefined) assertCount("prefetch", this.#prefetchLimit, { max: MAX_DEQUEUE_BATCH });
    const claim = this.#concurrencyLimit * this.#batchSize + (this.#prefetchLimit ?? 0);
    if (claim > MAX_DEQUEUE_BATCH) {
      throw new ValidationError(
        `concurrency × batch + prefetch must be at most ${MAX_DEQUEUE_BATCH} (the most one claim takes), got ${claim}`,
        { argument: "concurrency" },
      );
    }
  }

  /** @internal */
  async resolveConsumer(store: Store): Promise<Consumer> {
    if (this.#consumer !== undefined) return this.#consumer;
    if (this.#queueName === undefined) {
      throw new ValidationError('Queue name is required. Use .from("queue-name") or .worker(consumer)');
    }
    return store.ephemeralConsumer(this.#queueName);
  }

  /** @internal */
  async claim(consumer: Consumer, n: number): Promise<QueueMessage<T>[]> {
    await assertMayTakeWork(consumer);
    const opts: { batchSize: number; vtSeconds?: number; at?: Date } = { batchSize: n };
    if (this.#vtSeconds !== undefined) opts.vtSeconds = this.#vtSeconds;
    if (this.#atTime !== undefined) opts.at = this.#atTime;
    return consumer.dequeue<T>(opts);
  }

  async #finishPoll(consumer: Consumer): Promise<void> {
    try {
      await consumer.completePoll();
    } catch (err) {
      if (err instanceof PgqrsError && err.code === "INVALID_STATE_TRANSITION") await assertMayTakeWork(consumer);
      throw err;
    }
  }

  /** @internal The settings a handler loop runs with. */
  settings() {
    return {
      batchSize: this.#batchSize,
      vtSeconds: this.#vtSeconds,
      pollMs: this.#pollMs,
      untilMs: this.#untilMs,
      signal: this.#abortSignal,
      concurrency: this.#concurrencyLimit,
      releaseDelaySeconds: this.#releaseDelaySeconds,
      retry: this.#retryOptions,
      prefetch: this.#prefetchLimit,
      onError: this.#errorListener,
      at: this.#atTime,
    };
  }
}

/** Start a dequeue builder. */
export function dequeue<T = unknown>(): DequeueBuilder<T> {
  return new DequeueBuilder<T>();
}
