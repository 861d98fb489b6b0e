/**
 * `for await (const m of consumer.messages())`: pgqrs's `consume_iter` as an async iterator. Acknowledgement follows
 * the loop body: asking for the next message archives the current one (in the same round trip as the next claim when
 * nothing is buffered), and leaving the loop early releases it.
 */
import { PgqrsError } from "../errors.js";
import type { QueueMessage } from "../types.js";
import { assertCount, MAX_DEQUEUE_BATCH } from "../validation/arguments.js";
import { assertIntervalMs } from "../validation/time-arguments.js";
import type { Consumer } from "./consumer.js";
import { assertMayTakeWork, enterPolling } from "./terminal-status.js";
import { createWaker, type Waker } from "./wait.js";

/** Options of {@link Consumer.messages}. */
export interface MessageIteratorOptions {
  /**
   * Messages claimed per round trip, then yielded one at a time. An integer >= 1. Default 1. Messages claimed and
   * not yet yielded keep their lease while they wait (make `vtSeconds` cover the batch); when iteration stops they
   * are given back without counting as a delivery.
   */
  batchSize?: number;
  /** Lease of each claimed message, seconds. Default `config.defaultVtSeconds` (30). */
  vtSeconds?: number;
  /**
   * Longest wait between empty claims while the queue is empty, milliseconds; an enqueue through this store, or a
   * database notification of another process's enqueue, ends the wait earlier. Also the period of the worker status
   * check. Default `config.pollIntervalMs` (250).
   */
  pollIntervalMs?: number;
  /**
   * Ends the iteration: a waiting `next()` resolves `done` at once; a message already yielded is archived when
   * `next()` is called, as usual. Default: none (the iteration runs until the loop is left or the worker is
   * interrupted).
   */
  signal?: AbortSignal;
}

/** Settings resolved by the consumer: every option filled in. */
export interface ResolvedIteratorSettings {
  batchSize: number;
  vtSeconds: number;
  pollIntervalMs: number;
  signal: AbortSignal | undefined;
}

/** Check the options of {@link Consumer.messages}; VALIDATION_FAILED naming the first bad one. */
export function checkIteratorOptions(options: MessageIteratorOptions): void {
  const { batchSize, pollIntervalMs } = options;
  if (batchSize !== undefined) assertCount("batchSize", batchSize, { min: 1, max: MAX_DEQUEUE_BATCH });
  if (pollIntervalMs !== undefined) assertIntervalMs("pollIntervalMs", pollIntervalMs);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The iterator behind {@link Consumer.messages}. The rule, since a `for await` loop calls `return()` both on `break`
 * and when its body throws (the iterator cannot tell them apart):
 * - `next()` archives the message yielded last (its body ran to the end of the iteration), then yields the next one,
 *   waiting for it when the queue is empty;
 * - `return()` (break, return or throw in the body) and `throw()` release the message yielded last, visible again at
 *   once, so nothing stays leased; to stop after handling a message, archive it yourself before `break`;
 * - an aborted signal or an interrupted worker ends the iteration (`done`); the worker is `polling` while the
 *   iteration runs, `ready` after (`suspended` after an interrupt).
 * @typeParam T - The messages' payload type (the JSON value as parsed; `unknown` unless a typed queue or a type argument says).
 */
export class MessageIterator<T = unknown> implements AsyncIterableIterator<QueueMessage<T>> {
  readonly #consumer: Consumer;
  readonly #settings: ResolvedIteratorSettings;
  readonly #waker: Waker;
  /** Claimed, not yet yielded. */
  #buffer: QueueMessage<T>[] = [];
  /** Yielded, not yet archived or released. */
  #current: QueueMessage<T> | undefined;
  #started = false;
  #ended = false;
  #statusChanged = false;
  #lastStatusCheck = 0;
  #stopListening: (() => Promise<void>) | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Calls run one at a time, in call order, even when the caller does not wait for each. */
  #queue: Promise<unknown> = Promise.resolve();

  /** Internal: created by {@link Consumer.messages}. */
  constructor(consumer: Consumer, settings: ResolvedIteratorSettings) {
    this.#consumer = consumer;
    this.#settings = settings;
    // Waits run on the store clock's timers (real, or virtual in tests).
    this.#waker = createWaker(consumer.timers);
  }

  /** The iterator itself, so `for await` can use it. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Archive the message yielded last and resolve with the next one (claiming and waiting as needed); `done` once the
   * signal aborts or the worker may no longer take work. Calls run one at a time, in call order.
   */
  next(): Promise<IteratorResult<QueueMessage<T>, undefined>> {
    return this.#serial(() => this.#next());
  }

  /** Leave the iteration: the message yielded last is released, as are the claimed ones not yet yielded. */
  return(): Promise<IteratorResult<QueueMessage<T>, undefined>> {
    return this.#serial(async () => {
      await this.#end(true);
      return DONE;
    });
  }

  /** {@link return}, then reject with `err`. */
  throw(err?: unknown): Promise<IteratorResult<QueueMessage<T>, undefined>> {
    return this.#serial(async () => {
      await this.#end(true);
      throw err;
    });
  }

  #serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #next(): Promise<IteratorResult<QueueMessage<T>, undefined>> {
    if (this.#ended) return DONE;
    try {
      if (!this.#started) await this.#start();
      const done = this.#current;
      this.#current = undefined;
      if (done !== undefined && this.#buffer.length > 0) await this.#consumer.archive(done.id);
      let ack = done === undefined || this.#buffer.length > 0 ? [] : [done.id];
      while (this.#buffer.length === 0) {
        if (this.#settings.signal?.aborted || !(await this.#mayTakeWork())) {
          if (ack.length > 0) await this.#consumer.archiveMany(ack);
          await this.#end(false);
          return DONE;
        }
        // The acknowledgement of the message just handled rides on the claim of the next one: one round trip.
        const claim = { batchSize: this.#settings.batchSize, vtSeconds: this.#settings.vtSeconds };
        this.#buffer =
          ack.length > 0
            ? (await this.#consumer.archiveAndDequeue<T>(ack, claim)).messages
            : await this.#consumer.dequeue<T>(claim);
        ack = [];
        if (this.#buffer.length === 0) await this.#waker.wait(this.#settings.pollIntervalMs, this.#settings.signal);
      }
      this.#current = this.#buffer.shift();
      return { done: false, value: this.#current as QueueMessage<T> };
    } catch (err) {
      // A for-await loop does not call return() after next() rejects: give back what is held here.
      await this.#end(true).catch(() => undefined);
      throw err;
    }
  }

  async #start(): Promise<void> {
    this.#started = true;
    this.#unsubscribe = this.#consumer.onStatusChange(() => {
      this.#statusChanged = true;
      this.#waker.wake();
    });
    await enterPolling(this.#consumer);
    this.#lastStatusCheck = this.#consumer.timers.nowMs();
    this.#stopListening = await this.#consumer.listenForMessages(() => this.#waker.wake()).catch(() => undefined);
  }

  /** False when the worker was interrupted (it is now suspended); throws SUSPENDED when it was suspended or stopped. */
  async #mayTakeWork(): Promise<boolean> {
    const nowMs = this.#consumer.timers.nowMs();
    if (!this.#statusChanged && nowMs - this.#lastStatusCheck < this.#settings.pollIntervalMs) return true;
    this.#statusChanged = false;
    this.#lastStatusCheck = nowMs;
    try {
      await assertMayTakeWork(this.#consumer);
      return true;
    } catch (err) {
      if (err instanceof PgqrsError && err.code === "SUSPENDED" && err.details.reason === "worker interrupted") {
        return false;
      }
      throw err;
    }
  }

  /** Stop: release what is held (`releaseCurrent`: also the message yielded last), stop listening, leave polling. */
  async #end(releaseCurrent: boolean): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const current = releaseCurrent ? this.#current : undefined;
    const unyielded = this.#buffer.map((m) => m.id);
    this.#current = undefined;
    this.#buffer = [];
    this.#unsubscribe?.();
    try {
      if (current !== undefined) await this.#consumer.releaseMany([current.id]);
      // Claimed but never handed to the loop body: not an attempt, so the delivery is refunded.
      if (unyielded.length > 0) await this.#consumer.releaseMany(unyielded, undefined, { refundDelivery: true });
    } finally {
      await this.#stopListening?.().catch(() => undefined);
      // polling → ready; an interrupted worker already moved itself to suspended.
      if (this.#started) await this.#consumer.completePoll().catch(() => undefined);
    }
  }
}
