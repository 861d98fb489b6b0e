/**
 * The handler slots of a poll loop (its `concurrency`) and the claimed units waiting for one; each unit is run by
 * poll-unit.ts.
 */
import type { Timer, Timers } from "../clock.js";
import type { QueueMessage } from "../types.js";
import type { AckQueue } from "./ack-queue.js";
import type { Consumer } from "./consumer.js";
import type { PollLoopOptions } from "./poll-types.js";
import { runUnit } from "./poll-unit.js";
import type { Prefetch } from "./prefetch.js";

/** The handler slots of a poll loop and the claimed units waiting for one. */
export interface Lanes {
  /**
   * Queue a claimed unit; a free lane starts it at once, or with `deferStart` from the event loop (after the
   * caller's own continuation), while the unit keeps its place in line.
   */
  add(unit: QueueMessage[], options?: { deferStart?: boolean }): void;
  /** Messages claimed and not yet settled: running or waiting for a lane. */
  held(): number;
  /** Units claimed and not yet settled: running or waiting for a lane. */
  units(): number;
  /**
   * Recent units' mean handling time, ms (exponentially weighted), or the age of the oldest running unit when that
   * is longer (a handler that turned slow stops prefetch before it finishes); undefined before the first unit.
   */
  meanUnitMs(): number | undefined;
  /** Start nothing more, let running units finish, and give back the waiting ones (their delivery refunded). */
  stop(): Promise<void>;
}

interface Waiting {
  messages: QueueMessage[];
  /** The loop's `timers.nowMs()` when claimed. */
  claimedAt: number;
}

/**
 * How long claimed units may wait while no lane starts anything (every lane stuck in a slow handler) before they
 * are given back for other consumers to take, ms.
 */
export const STALLED_WAIT_MS = 1_000;

/**
 * At most `concurrency` lanes; each runs waiting units one after another until none is left, and calls
 * `onSettled` after each, so the loop can send the acknowledgement and refill. A unit that waited so long that
 * half its lease is gone is given back instead of run: it may be leased elsewhere soon. Units claimed ahead that
 * wait behind handlers which turned slow are given back after {@link STALLED_WAIT_MS}, so a slow handler does not
 * hold messages other consumers could run.
 */
export function createLanes(setup: LaneSetup): Lanes {
  return new PollLanes(setup);
}

/** What {@link createLanes} runs units with. */
export interface LaneSetup {
  readonly consumer: Consumer;
  readonly options: PollLoopOptions;
  /** Where fully archived units' ids go, for the loop's next statement. */
  readonly acks: AckQueue;
  /** How many lanes at most (at least 1). */
  readonly concurrency: number;
  readonly prefetch: Prefetch;
  /** Called after each unit settles (run or given back), so the loop can acknowledge and refill. */
  readonly onSettled: () => void;
}

/** The lanes of {@link createLanes}; loop time is the store clock's (real or virtual). */
class PollLanes implements Lanes {
  readonly #waiting: Waiting[] = [];
  #waitingCount = 0;
  #runningCount = 0;
  #runningUnits = 0;
  #laneCount = 0;
  #stopping = false;
  #mean: number | undefined;
  readonly #runningStarts = new Set<{ at: number }>();
  #lastStartAt: number;
  #stallTimer: Timer | undefined;
  readonly #active = new Set<Promise<void>>();

  readonly #consumer: Consumer;
  readonly #options: PollLoopOptions;
  readonly #acks: AckQueue;
  readonly #concurrency: number;
  readonly #prefetch: Prefetch;
  readonly #onSettled: () => void;
  readonly #timers: Timers;

  constructor({ consumer, options, acks, concurrency, prefetch, onSettled }: LaneSetup) {
    this.#consumer = consumer;
    this.#options = options;
    this.#acks = acks;
    this.#concurrency = concurrency;
    this.#prefetch = prefetch;
    this.#onSettled = onSettled;
    this.#timers = consumer.timers;
    this.#lastStartAt = this.#timers.nowMs();
  }

  add(messages: QueueMessage[], addOptions?: { deferStart?: boolean }): void {
    this.#waiting.push({ messages, claimedAt: this.#timers.nowMs() });
    this.#waitingCount += messages.length;
    this.#watchStall();
    if (addOptions?.deferStart === true) {
      setImmediate(this.#startLane);
      return;
    }
    this.#startLane();
  }

  held(): number {
    return this.#waitingCount + this.#runningCount;
  }

  units(): number {
    return this.#waiting.length + this.#runningUnits;
  }

  meanUnitMs(): number | undefined {
    if (this.#mean === undefined) return undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const start of this.#runningStarts) oldest = Math.min(oldest, start.at);
    return this.#runningStarts.size === 0 ? this.#mean : Math.max(this.#mean, this.#timers.nowMs() - oldest);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stallTimer?.cancel();
    await Promise.allSettled([...this.#active]);
    await this.#giveBack(this.#takeWaiting());
  }

  readonly #startLane = (): void => {
    if (this.#stopping || this.#laneCount >= this.#concurrency || this.#waiting.length === 0) return;
    this.#laneCount += 1;
    const running: Promise<void> = this.#lane().finally(() => this.#active.delete(running));
    this.#active.add(running);
  };

  async #lane(): Promise<void> {
    const timers = this.#timers;
    try {
      while (!this.#stopping) {
        const next = this.#waiting.shift();
        if (next === undefined) return;
        this.#waitingCount -= next.messages.length;
        if (this.#prefetch.stale(timers.nowMs() - next.claimedAt)) {
          await this.#giveBack(next.messages);
          this.#onSettled();
          continue;
        }
        const took = await this.#run(next.messages);
        this.#mean = this.#mean === undefined ? took : this.#mean * 0.8 + took * 0.2;
        this.#onSettled();
      }
    } finally {
      // Decremented where the lane decides to end, so an `add` in the same turn starts a new lane.
      this.#laneCount -= 1;
    }
  }

  /** Run one unit, counted as running meanwhile; returns how long it took, ms of loop time. */
  async #run(messages: QueueMessage[]): Promise<number> {
    const timers = this.#timers;
    this.#runningCount += messages.length;
    this.#runningUnits += 1;
    const started = timers.nowMs();
    const start = { at: started };
    this.#runningStarts.add(start);
    this.#lastStartAt = started;
    let acked: number[] | undefined;
    try {
      acked = await runUnit(this.#consumer, messages, this.#options);
    } finally {
      // The slot is freed and the acknowledgement queued in one step: a loop that woke for another lane never sees
      // acknowledgements waiting while their units still count as held (it would send them alone, claiming nothing).
      this.#runningCount -= messages.length;
      this.#runningUnits -= 1;
      this.#runningStarts.delete(start);
      if (acked !== undefined) this.#acks.push(acked);
    }
    return timers.nowMs() - started;
  }

  #takeWaiting(): QueueMessage[] {
    const left = this.#waiting.splice(0).flatMap((w) => w.messages);
    this.#waitingCount = 0;
    return left;
  }

  async #giveBack(messages: readonly QueueMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await givenBack(this.#options, messages);
    // Never attempted, so the delivery does not count toward maxReadCt. A failure leaves the lease to expire.
    await this.#consumer
      .releaseMany(
        messages.map((m) => m.id),
        this.#options.now(),
        { refundDelivery: true },
      )
      .catch((err: unknown) => this.#options.onError?.(err));
  }

  #watchStall(): void {
    if (this.#stallTimer !== undefined || this.#stopping) return;
    const timers = this.#timers;
    this.#stallTimer = timers.setTimeout(
      () => {
        this.#stallTimer = undefined;
        if (this.#stopping || this.#waiting.length === 0) return;
        if (this.#laneCount >= this.#concurrency && timers.nowMs() - this.#lastStartAt >= STALLED_WAIT_MS) {
          void this.#giveBack(this.#takeWaiting()).then(this.#onSettled);
          return;
        }
        this.#watchStall();
      },
      STALLED_WAIT_MS,
      { unref: true },
    );
  }
}

/** Tell `onGivenBack` (and wait for it) before messages go back unrun; its failure goes to `onError`. */
export async function givenBack(options: PollLoopOptions, messages: readonly QueueMessage[]): Promise<void> {
  try {
    await options.onGivenBack?.(messages);
  } catch (err) {
    options.onError?.(err);
  }
}
