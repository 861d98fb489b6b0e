import type { Clock, Timer, Timers } from "./clock.js";

interface Pending {
  due: number;
  /** Creation order: timers due at the same instant fire in the order they were set. */
  seq: number;
  fn: () => void;
  /** Set for an interval: its period, ms. */
  everyMs: number | undefined;
  cancelled: boolean;
}

/**
 * A clock whose time moves only when told to, and whose timers fire only when that time reaches them: poll
 * intervals, heartbeats, lease renewals, give-back and back-off timers of every loop on a store connected with it
 * (`connect(dsn, { clock })`) wait in virtual time, so a test of them neither sleeps nor races the machine's load.
 *
 * {@link advance} fires every timer it passes, in due order, each at its due time, synchronously; what the woken
 * loops do next (database round trips) happens after it returns, so a test advances and then awaits the effect it
 * expects. A timer set for the current instant or earlier fires on its own, from the event loop, as a real one would.
 *
 * @example
 * const clock = new VirtualClock(new Date("2026-01-01T00:00:00Z"));
 * const store = await connect(dsn, { clock, heartbeatIntervalSeconds: 5 });
 * clock.advance(5_000); // one heartbeat period: every live worker of the store heartbeats once
 */
export class VirtualClock implements Clock {
  #ms: number;
  #seq = 0;
  /** Sorted by due time, then creation order. */
  #queue: Pending[] = [];
  #flushScheduled = false;
  /** The clock's own timers, in virtual time: `advance` fires those it passes; one due now fires from the event loop. */
  readonly timers: Timers;

  /** `start`: the initial time (default the real time now). */
  constructor(start: Date | number = Date.now()) {
    this.#ms = typeof start === "number" ? start : start.getTime();
    this.timers = {
      nowMs: () => this.#ms,
      setTimeout: (fn, ms) => this.#add(fn, ms, undefined),
      setInterval: (fn, ms) => this.#add(fn, ms, Math.max(1, ms)),
    };
  }

  /** The clock's current time (moves only with `advance`). */
  now(): Date {
    return new Date(this.#ms);
  }

  /** Move forward by `ms` milliseconds (>= 0), firing every timer due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`VirtualClock.advance: ms must be >= 0, got ${ms}`);
    this.#runUntil(this.#ms + ms);
  }

  /** Move forward to `at`, firing every timer due on the way. A virtual clock never moves back (RangeError). */
  set(at: Date | number): void {
    const target = typeof at === "number" ? at : at.getTime();
    if (!(target >= this.#ms)) throw new RangeError(`VirtualClock.set: time moves forward only, got ${String(at)}`);
    this.#runUntil(target);
  }

  /** Advance to the soonest pending timer and fire it (and any due with it). False when none is pending. */
  runNext(): boolean {
    const next = this.#queue[0];
    if (next === undefined || !Number.isFinite(next.due)) return false;
    this.#runUntil(Math.max(this.#ms, next.due));
    return true;
  }

  /** When each pending timer is due, in milliseconds from now, soonest first (intervals: their next firing). */
  pending(): number[] {
    return this.#queue.map((t) => t.due - this.#ms);
  }

  #add(fn: () => void, ms: number, everyMs: number | undefined): Timer {
    const delay = Number.isNaN(ms) ? 0 : Math.max(0, ms);
    const timer: Pending = { due: this.#ms + delay, seq: this.#seq++, fn, everyMs, cancelled: false };
    this.#insert(timer);
    if (delay === 0) this.#scheduleFlush();
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        const at = this.#queue.indexOf(timer);
        if (at >= 0) this.#queue.splice(at, 1);
      },
    };
  }

  #insert(timer: Pending): void {
    let i = this.#queue.length;
    while (i > 0) {
      const before = this.#queue[i - 1] as Pending;
      if (before.due < timer.due || (before.due === timer.due && before.seq < timer.seq)) break;
      i -= 1;
    }
    this.#queue.splice(i, 0, timer);
  }

  /** Timers due now fire from the event loop, never inside the call that set them. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#runUntil(this.#ms);
    });
  }

  #runUntil(target: number): void {
    for (;;) {
      const next = this.#queue[0];
      if (next === undefined || next.due > target) break;
      this.#queue.shift();
      this.#ms = Math.max(this.#ms, next.due);
      if (next.everyMs !== undefined) {
        next.due += next.everyMs;
        next.seq = this.#seq++;
        this.#insert(next);
      } else {
        next.cancelled = true;
      }
      next.fn();
    }
    this.#ms = Math.max(this.#ms, target);
  }
}
