import { ValidationError } from "../errors.js";
import { resolveMessageOptions } from "../queue/enqueue-options.js";
import { serializeBatch } from "../queue/payload-validation.js";
import { type EnqueueOptions, type Producer, resolveEnqueueTimes } from "../queue/producer.js";
import { assertDate, assertMilliseconds, assertSeconds } from "../validation/time-arguments.js";
import type { Store } from "./pgqrs-store.js";

/**
 * `pgqrs.enqueue()`: `.message(p)` or `.messages([…])`, `.to(queue)` or `.worker(producer)`, optional
 * `.delay(seconds)` / `.at(time)`, then `.execute(store)` → the new message ids in order. Always one insert.
 * @typeParam T - The payload type of the messages enqueued (`unknown` unless a typed queue says).
 */
export class EnqueueBuilder<T = unknown> {
  #payloads: T[] | undefined;
  #queue: string | undefined;
  #producer: Producer | undefined;
  /** The delay as given, with the name of the method that gave it, checked at `execute`. */
  #delay: { argument: string; value: unknown; unitMs: number } | undefined;
  #at: Date | undefined;
  #extra: EnqueueOptions = {};

  /** One payload. */
  message(payload: T): this {
    this.#payloads = [payload];
    return this;
  }

  /** Several payloads, inserted together. */
  messages(payloads: readonly T[]): this {
    this.#payloads = [...payloads];
    return this;
  }

  /** Enqueue through this store's ephemeral producer of `queue`. */
  to(queue: string): this {
    this.#queue = queue;
    return this;
  }

  /** Enqueue through a registered producer (wins over `to`). */
  worker(producer: Producer): this {
    this.#producer = producer;
    return this;
  }

  /** Visible `seconds` (0 to 100 years) after the reference time. */
  delay(seconds: number): this {
    this.#delay = { argument: "delay", value: seconds, unitMs: 1000 };
    return this;
  }

  /** Visible `ms` milliseconds (0 to 100 years) after the reference time. */
  withDelay(ms: number): this {
    this.#delay = { argument: "withDelay", value: ms, unitMs: 1 };
    return this;
  }

  /** Reference time (`enqueuedAt`), a Date in 1970-01-01 … 9999-12-31T23:59:59.999Z; default the clock's now. */
  at(time: Date): this {
    this.#at = time;
    return this;
  }

  /** Priority of every message: an integer −1,000,000 to 1,000,000, higher claimed first. Default 0. */
  priority(n: number): this {
    this.#extra.priority = n;
    return this;
  }

  /**
   * Deduplication key of the (one) message: while an unarchived message of the queue has it, nothing is written
   * and `execute` returns that message's id. With `windowSeconds`, also a message archived that recently.
   */
  dedupKey(key: string, windowSeconds?: number): this {
    this.#extra.dedupKey = key;
    if (windowSeconds !== undefined) this.#extra.dedupWindowSeconds = windowSeconds;
    else delete this.#extra.dedupWindowSeconds;
    return this;
  }

  /** Ordered group of every message: one at a time per group, in enqueue order. */
  groupKey(key: string): this {
    this.#extra.groupKey = key;
    return this;
  }

  /**
   * Insert in the application's own open transaction (outbox): a node-postgres client inside `BEGIN`, or a
   * better-sqlite3 Database with a transaction open. The messages exist if and only if it commits.
   */
  tx(client: unknown): this {
    this.#extra.tx = client;
    return this;
  }

  /** Insert and return the ids, in payload order. */
  async execute(store: Store): Promise<number[]> {
    if (this.#payloads === undefined || this.#payloads.length === 0) {
      throw new ValidationError("No messages to enqueue. Use .message() or .messages() before .execute().");
    }
    // Checked before the producer is registered: a bad argument writes nothing, not even a worker row.
    const options: EnqueueOptions = { ...this.#extra, delaySeconds: this.#delaySeconds() };
    if (this.#at !== undefined) options.at = assertDate("at", this.#at);
    resolveEnqueueTimes(store.clock.now(), options);
    resolveMessageOptions(options, this.#payloads.length);
    // The producer checks the payloads too, but only after its first use registered it.
    if (this.#producer === undefined && this.#queue !== undefined && !store.hasEphemeralProducer(this.#queue)) {
      serializeBatch(this.#payloads, store.config.validationConfig);
    }
    const producer = await this.#resolveProducer(store);
    if (options.dedupKey !== undefined) return [(await producer.enqueue(this.#payloads[0], options)).id];
    const rows = await producer.enqueueBatch(this.#payloads, options);
    return rows.map((m) => m.id);
  }

  #delaySeconds(): number {
    if (this.#delay === undefined) return 0;
    const { argument, value, unitMs } = this.#delay;
    return (unitMs === 1 ? assertMilliseconds(argument, value) : assertSeconds(argument, value)) * (unitMs / 1000);
  }

  async #resolveProducer(store: Store): Promise<Producer> {
    if (this.#producer !== undefined) return this.#producer;
    if (this.#queue === undefined) {
      throw new ValidationError('Queue name is required. Use .to("queue-name") or .worker(producer)');
    }
    return store.ephemeralProducer(this.#queue);
  }
}

/** Start an enqueue builder. */
export function enqueue<T = unknown>(): EnqueueBuilder<T> {
  return new EnqueueBuilder<T>();
}
