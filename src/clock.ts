import { watchAbort } from "./abort-watch.js";

/**
 * The one source of time for every component, so leases, delays and retries can be tested without sleeping:
 * `now()` is the time written to and compared with the database; `timers` is what the engine's loops wait on
 * (poll intervals, heartbeats, lease renewals, give-back and back-off timers).
 */
export interface Clock {
  /** The current time. */
  now(): Date;
  /**
   * The timers the engine's loops wait on. Default {@link systemTimers}: real time. A clock that supplies its own
   * (see `VirtualClock`) decides when every wait ends, so loops can be tested in virtual time.
   */
  readonly timers?: Timers;
}

/** A pending timer. */
export interface Timer {
  /** Stop it; the callback does not run (again). Cancelling twice is a no-op. */
  cancel(): void;
}

/** Options of {@link Timers.setTimeout} and {@link Timers.setInterval}. */
export interface TimerOptions {
  /** Let the process exit while this timer is pending (Node's `unref`). Default false. */
  unref?: boolean;
}

/** Timers and a monotonic reading of elapsed time, for the engine's loops. */
export interface Timers {
  /** Milliseconds on a monotonic scale: only the difference between two readings means anything. */
  nowMs(): number;
  /** Call `fn` once, `ms` milliseconds from now (0 or less: as soon as possible). */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer;
  /** Call `fn` every `ms` milliseconds until cancelled. */
  setInterval(fn: () => void, ms: number, options?: TimerOptions): Timer;
}

/** The process's own timers and `performance.now()`. */
export const systemTimers: Timers = {
  nowMs: () => performance.now(),
  setTimeout(fn, ms, options) {
    const handle = setTimeout(fn, Math.max(0, ms));
    if (options?.unref === true) handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval(fn, ms, options) {
    const handle = setInterval(fn, Math.max(1, ms));
    if (options?.unref === true) handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};

/** The timers of `clock`: its own, or {@link systemTimers}. */
export function timersOf(clock: Clock): Timers {
  return clock.timers ?? systemTimers;
}

/**
 * Resolve after `ms` milliseconds of `timers`' time, or at once when `signal` aborts (resolving, not rejecting: the
 * caller checks the signal).
 */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    // The abort watch, set below and ended with the wait.
    let unwatch: (() => void) | undefined;
    const done = () => {
      timer.cancel();
      unwatch?.();
      resolve();
    };
    const timer = timers.setTimeout(done, ms);
    if (signal !== undefined) unwatch = watchAbort(signal, done);
  });
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = { now: () => new Date(), timers: systemTimers };

/**
 * A clock whose `now()` moves only when told to; for tests and simulations. Its loops still wait in real time (it
 * has no timers of its own): use `VirtualClock` to drive those too.
 */
export class ManualClock implements Clock {
  #ms: number;

  /** `start`: the initial time, a `Date` or epoch milliseconds (default the real time now). */
  constructor(start: Date | number = Date.now()) {
    this.#ms = typeof start === "number" ? start : start.getTime();
  }

  /** The clock's current time (moves only with `advance` and `set`). */
  now(): Date {
    return new Date(this.#ms);
  }

  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#ms += ms;
  }

  /** Jump to `at`, a `Date` or epoch milliseconds (backwards too). */
  set(at: Date | number): void {
    this.#ms = typeof at === "number" ? at : at.getTime();
  }
}

/** A clock pinned to one instant (pgqrs's `withTime`). */
export function fixedClock(at: Date): Clock {
  const ms = at.getTime();
  return { now: () => new Date(ms) };
}
