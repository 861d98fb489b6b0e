/**
 * Typed queues (issue 19, item 1): `const emails = pgqrs.defineQueue<Email>("emails", settings?)` names a queue and
 * its payload type once; `emails.enqueue(store, p)`, `emails.enqueueBatch`, `emails.consumer(store)` and
 * `emails.worker(store, handler, options)` then carry that type, so nothing is cast. Payload types are held to
 * JSON (`T extends Json<T>`): what a consumer reads back is what the producer sent.
 *
 * Decision: a definition creates its queue on first use through each store, with its settings, idempotently
 * (`store.queue(name, { ...settings, ifNotExists: true })`): a queue that already exists keeps its settings (change
 * them with `admin(store).updateQueue`); one deleted meanwhile is created again. `create: false` turns this off (the queue must then exist: QUEUE_NOT_FOUND).
 */
import { isPgqrsError, ValidationError } from "../errors.js";
import type { Json, JsonPrimitive, JsonValue } from "../json-types.js";
import { resolveMessageOptions } from "../queue/enqueue-options.js";
import { MAX_PAYLOAD_DEPTH, serializeBatch } from "../queue/payload-validation.js";
import { type BatchEnqueueOptions, type EnqueueOptions, resolveEnqueueTimes } from "../queue/producer.js";
import type { QueueSettingsOptions } from "../queue-controls-types.js";
import type { QueueMessage } from "../types.js";
import { assertQueueSettings } from "../validation/queue-settings.js";
import { assertName, type Store } from "./pgqrs-store.js";
import {
  type QueueConsumer,
  type QueueHandler,
  QueueWorker,
  type QueueWorkerOptions,
  workerLoop,
} from "./queue-worker.js";
import type { ConsumerOptions } from "./worker-registration.js";

/** The settings of a typed queue: the queue's settings (see `createQueue`), and whether to create it. */
export interface DefineQueueOptions extends QueueSettingsOptions {
  /**
   * Create the queue with these settings on first use through each store, if it does not exist (an existing queue
   * keeps its own settings). `false`: never create it; calls fail with QUEUE_NOT_FOUND until it exists. Default true.
   */
  create?: boolean;
}

/**
 * A queue with a payload type, from {@link defineQueue}. Every method takes the store to work in.
 * @typeParam T - The queue's payload type, checked on enqueue and given to handlers.
 */
export class QueueDefinition<T> {
  /** The queue's name. */
  readonly name: string;
  /** The settings the queue is created with, as given (checked). */
  readonly options: Readonly<DefineQueueOptions>;
  /** Stores in which the queue is known to exist (or being created), so each store checks once. */
  readonly #ready = new WeakMap<Store, Promise<unknown>>();

  /** Not for direct use: use {@link defineQueue}. */
  constructor(name: string, options: DefineQueueOptions) {
    this.name = name;
    this.options = options;
  }

  /**
   * Enqueue one payload; returns the stored message (see `Producer.enqueue` for the options: delay, priority,
   * keys, `tx`). VALIDATION_FAILED, nothing written, for a payload that is not JSON data (a `Date`, say).
   */
  async enqueue(store: Store, payload: T, options: EnqueueOptions = {}): Promise<QueueMessage<T>> {
    assertJsonData(payload, "");
    this.#precheck(store, [payload], options);
    return this.#use(store, async () => (await store.ephemeralProducer(this.name)).enqueue(payload, options));
  }

  /**
   * Enqueue many payloads in one insert, all or nothing (see `Producer.enqueueBatch`); the messages come back in
   * payload order. VALIDATION_FAILED naming the index, nothing written, for a payload that is not JSON data.
   */
  async enqueueBatch(
    store: Store,
    payloads: readonly T[],
    options: BatchEnqueueOptions = {},
  ): Promise<QueueMessage<T>[]> {
    if (Array.isArray(payloads)) {
      for (let i = 0; i < payloads.length; i++) assertJsonData(payloads[i], `Payload at index ${i}: `);
      this.#precheck(store, payloads, options);
    }
    return this.#use(store, async () => (await store.ephemeralProducer(this.name)).enqueueBatch(payloads, options));
  }

  /** Register a consumer of the queue (name default `<hostname>-<uuid>`); its claims are typed. */
  async consumer(store: Store, options: ConsumerOptions = {}): Promise<QueueConsumer<T>> {
    return this.#use(store, async () => (await store.consumer(this.name, options)) as QueueConsumer<T>);
  }

  /**
   * Register a consumer and serve `handler` with it until `options.signal` aborts or {@link QueueWorker.stop}
   * (see {@link QueueWorkerOptions}: concurrency, lease, retry, …). Resolves once the loop runs. A handler that
   * resolves archives its message; one that throws releases it with the retry policy's backoff, and the loop goes
   * on. VALIDATION_FAILED naming the option, before anything is written, for a bad option.
   */
  async worker(store: Store, handler: QueueHandler<T>, options: QueueWorkerOptions = {}): Promise<QueueWorker<T>> {
    const loop = workerLoop<T>(handler, options);
    const consumer = await this.consumer(store, options.name === undefined ? {} : { name: options.name });
    return new QueueWorker(consumer, loop.worker(consumer).handle(handler).poll(store));
  }

  /**
   * The producer checks payloads and options before it writes, but only after the queue and the store's producer
   * exist: on the first call through a store, check them first, so bad input creates neither.
   */
  #precheck(store: Store, payloads: readonly unknown[], options: EnqueueOptions): void {
    if (this.#ready.has(store)) return;
    resolveEnqueueTimes(store.clock.now(), options);
    resolveMessageOptions(options, payloads.length);
    serializeBatch(payloads, store.config.validationConfig);
  }

  /**
   * Run `fn` once the queue exists in `store` (created on the first call through each store). When `fn` finds the
   * queue gone (deleted since; QUEUE_NOT_FOUND writes nothing), the queue is created again and `fn` runs once more.
   */
  async #use<R>(store: Store, fn: () => Promise<R>): Promise<R> {
    if (this.options.create === false) {
      const result = await fn();
      this.#ready.set(store, Promise.resolve());
      return result;
    }
    const known = this.#ready.has(store);
    await this.#ensure(store);
    try {
      return await fn();
    } catch (err) {
      if (!known || !isPgqrsError(err, "QUEUE_NOT_FOUND")) throw err;
      this.#ready.delete(store);
      await this.#ensure(store);
      return fn();
    }
  }

  /** Create the queue in `store` unless this definition already did; a failed attempt is not remembered. */
  async #ensure(store: Store): Promise<void> {
    let ready = this.#ready.get(store);
    if (ready === undefined) {
      const { create: _, ...settings } = this.options;
      ready = store.queue(this.name, { ...settings, ifNotExists: true });
      this.#ready.set(store, ready);
    }
    try {
      await ready;
    } catch (err) {
      if (this.#ready.get(store) === ready) this.#ready.delete(store);
      throw err;
    }
  }
}

/**
 * Define a queue and its payload type: `const emails = defineQueue<Email>("emails", { retry: { maxAttempts: 3 } })`.
 * `T` must be JSON data (`Json<T>`): interfaces and optional members are fine, a `Date`, `bigint`, function or
 * `undefined`-typed member does not compile. Without a type argument the payload is any {@link JsonValue}. Nothing
 * is written until the first call; VALIDATION_FAILED at once for a bad name or setting.
 */
export function defineQueue<T extends Json<T> & (JsonPrimitive | object) = JsonValue>(
  name: string,
  options: DefineQueueOptions = {},
): QueueDefinition<T> {
  assertName("queue", name);
  assertQueueSettings(options, ["create"]);
  if (options.create !== undefined && typeof options.create !== "boolean") {
    throw new ValidationError(`create must be a boolean, got ${String(options.create)}`, { argument: "create" });
  }
  return new QueueDefinition<T>(name, { ...options });
}

/**
 * What the types promise, also at run time (a cast or plain JavaScript can get around them): a `Date` or another
 * object with `toJSON` would be stored as what `toJSON` returns and read back as that, not as what was sent.
 * Everything else that is not JSON (functions, `bigint`, `undefined`, cycles) the producer's validation refuses.
 */
function assertJsonData(value: unknown, prefix: string): void {
  const seen = new Set<object>();
  const visit = (v: unknown, path: string, depth: number): void => {
    // Deeper than the ceiling: the producer's validation refuses the payload (VALIDATION_FAILED naming the depth),
    // so stop here rather than recurse until the stack overflows (a RangeError).
    if (typeof v !== "object" || v === null || seen.has(v) || depth > MAX_PAYLOAD_DEPTH) return;
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
      const date = v instanceof Date;
      const what = date
        ? "a Date at PATH is not JSON data (it would be read back as a string); send date.toISOString() and type the field a string"
        : "an object with toJSON at PATH is not JSON data (it would be stored as what toJSON returns); send plain data";
      throw new ValidationError(`${prefix}${what.replace("PATH", path)}`, {
        argument: "payload",
        path,
      });
    }
    seen.add(v);
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) visit(v[i], `${path}[${i}]`, depth + 1);
    else for (const [key, child] of Object.entries(v)) visit(child, `${path}.${key}`, depth + 1);
  };
  visit(value, "$", 0);
}
