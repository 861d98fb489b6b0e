import { ValidationError } from "../errors.js";
import { traceProcess } from "../observability/tracing.js";
import { otelApi } from "../observability/tracing-api.js";
import { applyFailure, failureRelease } from "../queue/failure-release.js";
import { type PollLoopEnd, runPollLoop } from "../queue/poll-loop.js";
import { defaultPrefetch } from "../queue/prefetch.js";
import { queueMaintenanceTask } from "../queue/queue-maintenance.js";
import type { QueueMessage } from "../types.js";
import type { BatchHandler, DequeueBuilder, MessageHandler } from "./dequeue-builder.js";
import { batchContext, messageContext } from "./handler-context.js";
import type { Store } from "./pgqrs-store.js";

/**
 * A dequeue builder with a handler: `execute(store)` handles one claim, `poll(store)` loops.
 * @typeParam T - The messages' payload type (the JSON value as parsed; `unknown` unless a typed queue or a type argument says).
 */
export class HandlerBuilder<T = unknown> {
  readonly #source: DequeueBuilder<T>;
  readonly #single: MessageHandler<T> | undefined;
  readonly #batch: BatchHandler<T> | undefined;

  /**
   * The handler (`single`, one message at a time, or `batch`) of the claims `source` describes. Use
   * `dequeue().handle(fn)` or `.handleBatch(fn)`.
   */
  constructor(source: DequeueBuilder<T>, single: MessageHandler<T> | undefined, batch: BatchHandler<T> | undefined) {
    this.#source = source;
    this.#single = single;
    this.#batch = batch;
  }

  /**
   * Claim once and handle what came: archive on success; on failure release and reject with the handler's error.
   * Resolves to the number of messages handled (0 when the queue was empty).
   */
  async execute(store: Store): Promise<number> {
    this.#checkBatch();
    const s = this.#source.settings();
    const consumer = await this.#source.resolveConsumer(store);
    const messages = await this.#source.claim(consumer, s.batchSize);
    if (messages.length === 0) return 0;
    const api = otelApi();
    const queue = consumer.queue.queueName;
    try {
      const single = this.#single;
      if (single !== undefined) {
        for (const m of messages) {
          if (api === null) await single(m, messageContext(consumer, m));
          else await traceProcess(api, queue, [m], async () => single(m, messageContext(consumer, m)));
        }
      } else if (api === null) {
        await this.#batch?.(messages, batchContext(consumer));
      } else {
        await traceProcess(api, queue, messages, async () => this.#batch?.(messages, batchContext(consumer)));
      }
    } catch (err) {
      const failure = failureRelease(consumer, s, s.at ?? consumer.now(), err);
      await applyFailure(consumer, messages, failure);
      throw err;
    }
    await consumer.archiveMany(messages.map((m) => m.id));
    return messages.length;
  }

  /**
   * Serve until the worker is interrupted (resolves `"interrupted"`, worker `suspended`) or the signal aborts
   * or `consumer.stop()` (resolves `"aborted"`, worker `stopped`, what it held released). A failing handler releases
   * its message(s) with the retry policy's backoff (see {@link DequeueBuilder.retry}) and the loop goes on.
   */
  async poll(store: Store): Promise<PollLoopEnd> {
    this.#checkBatch();
    const s = this.#source.settings();
    if (s.untilMs !== undefined) {
      throw new ValidationError("until() is not supported with handler poll loops");
    }
    const consumer = await this.#source.resolveConsumer(store);
    // With `.at(time)` the loop lives at that time: its claims, and the releases of failed messages.
    const at = s.at;
    const now = () => at ?? consumer.now();
    const release = (err: unknown) => failureRelease(consumer, s, now(), err);
    const single = this.#single;
    const batch = this.#batch;
    const onError = s.onError;
    // Looked up once per loop: without OpenTelemetry a unit costs nothing more.
    const api = otelApi();
    const queue = consumer.queue.queueName;
    const batchCtx = batchContext(consumer);
    const runSingle = (m: QueueMessage) => single?.(m as QueueMessage<T>, messageContext(consumer, m));
    const handle =
      single !== undefined
        ? async (messages: QueueMessage[]) => runSingle(messages[0] as QueueMessage)
        : async (messages: QueueMessage[]) => batch?.(messages as QueueMessage<T>[], batchCtx);
    return runPollLoop({
      consumer,
      batchSize: s.batchSize,
      concurrency: s.concurrency,
      prefetch: s.prefetch ?? defaultPrefetch(s.concurrency, s.batchSize, store.capabilities.networkRoundTrips),
      refillAtHalf: !store.capabilities.networkRoundTrips,
      acceptHandoffs: at === undefined,
      vtSeconds: s.vtSeconds ?? store.config.defaultVtSeconds,
      pollIntervalMs: s.pollMs ?? store.config.pollIntervalMs,
      now,
      ...(at === undefined ? {} : { at }),
      maintenance: queueMaintenanceTask(store.context, consumer),
      ...(s.signal === undefined ? {} : { signal: s.signal }),
      ...(onError === undefined ? {} : { onError }),
      process: async (messages) => {
        try {
          if (api !== null) await traceProcess(api, queue, messages, () => handle(messages));
          else if (single !== undefined) await runSingle(messages[0] as QueueMessage);
          else await batch?.(messages as QueueMessage<T>[], batchCtx);
          return messages.map(() => ({ action: "archive" }) as const);
        } catch (err) {
          onError?.(err);
          const failed = release(err);
          return messages.map((m) => failed(m));
        }
      },
    });
  }

  #checkBatch(): void {
    this.#source.checkArguments();
    const { batchSize, prefetch } = this.#source.settings();
    if (prefetch !== undefined && !(Number.isInteger(prefetch) && prefetch >= 0)) {
      throw new ValidationError(`prefetch must be an integer >= 0, got ${String(prefetch)}`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValidationError(`batch size must be >= 1, got ${batchSize}`);
    }
    if (this.#single !== undefined && batchSize !== 1) {
      throw new ValidationError(`single-message handlers require batch size = 1, got ${batchSize}`);
    }
  }
}
