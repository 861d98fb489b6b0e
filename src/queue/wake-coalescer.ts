import type { Timer, Timers } from "../clock.js";

/**
 * Shortest time between two wake-ups a consumer takes from database notifications, ms. Any role that can connect may
 * NOTIFY the enqueue channel, and each wake-up of an idle consumer costs a claim: coalesced like this, a flood of
 * notifications drives at most 40 claims a second per idle consumer, where it drove hundreds. A single notification
 * after a quiet spell still wakes at once, and polling bounds the latency either way.
 */
export const REMOTE_WAKE_MIN_INTERVAL_MS = 25;

/** A rate limit on wake-ups (see {@link coalesceWakeups}). */
export interface WakeCoalescer {
  /** A notification arrived: wake now, or once at the end of the current window. */
  notify(): void;
  /** Drop a wake-up still scheduled. */
  cancel(): void;
}

/**
 * Call `wake` for notifications, at most once per `minIntervalMs` of `timers`' time (the store clock's, so tests run
 * it in virtual time): the first notification after a quiet window wakes at once; the ones inside a window collapse
 * into one wake-up at its end, so none is lost.
 */
export function coalesceWakeups(timers: Timers, minIntervalMs: number, wake: () => void): WakeCoalescer {
  let lastWakeMs = Number.NEGATIVE_INFINITY;
  let scheduled: Timer | undefined;
  const fire = () => {
    scheduled = undefined;
    lastWakeMs = timers.nowMs();
    wake();
  };
  return {
    notify() {
      if (scheduled !== undefined) return;
      const waitMs = lastWakeMs + minIntervalMs - timers.nowMs();
      if (waitMs <= 0) fire();
      else scheduled = timers.setTimeout(fire, waitMs, { unref: true });
    },
    cancel() {
      scheduled?.cancel();
      scheduled = undefined;
    },
  };
}
