import type { Timer, Timers } from "../clock.js";

/**
 * Shortest time between two wake-ups a consumer takes from database notifications, ms. Any role that can connect may
 * NOTIFY the enqueue channel, and each wake-up of an idle consumer costs a claim: coalesced like this, and stretched
 * to the poll interval while wake-ups find nothing ({@link WakeBackoff}), a flood of notifications drives no more
 * claims than polling does, where it drove hundreds a second. A single notification after a quiet spell still wakes
 * at once, and polling bounds the latency either way.
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
 * Slows wake-ups down while they lead nowhere: when the claim that followed the last wake-up found nothing
 * (`fruitless()`), the next one waits `idleIntervalMs` (the poll interval) instead of the short window, so spurious
 * notifications cannot drive claims above the poll rate, while wake-ups that find messages keep the short window.
 */
export interface WakeBackoff {
  /** The gap after a fruitless wake-up, ms (the consumer's poll interval). */
  readonly idleIntervalMs: number;
  /** Whether the claims since the last wake-up found nothing. */
  fruitless(): boolean;
}

/**
 * Call `wake` for notifications, at most once per `minIntervalMs` of `timers`' time (the store clock's, so tests run
 * it in virtual time): the first notification after a quiet window wakes at once; the ones inside a window collapse
 * into one wake-up at its end, so none is lost. With `backoff`, a wake-up whose claim found nothing stretches the
 * window to `backoff.idleIntervalMs`.
 */
export function coalesceWakeups(
  timers: Timers,
  minIntervalMs: number,
  wake: () => void,
  backoff?: WakeBackoff,
): WakeCoalescer {
  let lastWakeMs = Number.NEGATIVE_INFINITY;
  let scheduled: Timer | undefined;
  const waitMs = () => {
    const gapMs = backoff?.fruitless() ? Math.max(minIntervalMs, backoff.idleIntervalMs) : minIntervalMs;
    return lastWakeMs + gapMs - timers.nowMs();
  };
  const fire = () => {
    scheduled = undefined;
    lastWakeMs = timers.nowMs();
    wake();
  };
  // A wake-up that was due when scheduled may find, when its time comes, that the claim after the last one has
  // since come back empty: it then waits out the longer gap (the claim's outcome is only known after it returns).
  const fireWhenDue = () => {
    const remainingMs = waitMs();
    if (remainingMs <= 0) fire();
    else scheduled = timers.setTimeout(fireWhenDue, remainingMs, { unref: true });
  };
  return {
    notify() {
      if (scheduled !== undefined) return;
      const remainingMs = waitMs();
      if (remainingMs <= 0) fire();
      else scheduled = timers.setTimeout(fireWhenDue, remainingMs, { unref: true });
    },
    cancel() {
      scheduled?.cancel();
      scheduled = undefined;
    },
  };
}
