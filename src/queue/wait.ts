import { watchAbort } from "../abort-watch.js";
import { systemTimers, type Timer, type Timers } from "../clock.js";

/** Something that can cut a wait short. */
export interface Waker {
  /** Resolve every pending wait now. */
  wake(): void;
  /** Wait up to `ms` milliseconds (`Infinity`: no limit), or until woken or aborted. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  /** {@link wait}, with `cancel()` to end it early (resolving `done`) without consuming a remembered wake-up. */
  sleep(ms: number, signal?: AbortSignal): { done: Promise<void>; cancel: () => void };
}

/**
 * A waker for idle loops: sleeps without spinning, wakes at once on `wake()` or abort. A `wake()` while nobody
 * waits is remembered and ends the next wait at once: a loop woken (by an enqueue notification) while it was busy
 * claiming would otherwise sleep a full poll interval past the message it was told about. Waits run on `timers`
 * (the store clock's, so loops can be tested in virtual time).
 */
export function createWaker(timers: Timers = systemTimers): Waker {
  const pending = new Set<() => void>();
  let missed = false;
  return {
    wake() {
      if (pending.size === 0) missed = true;
      for (const resolve of [...pending]) resolve();
    },
    wait(ms, signal) {
      return this.sleep(ms, signal).done;
    },
    sleep(ms, signal) {
      let cancel: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        if (missed) {
          missed = false;
          return resolve();
        }
        // The abort watch, set below and ended with the wait.
        let unwatch: (() => void) | undefined;
        const finish = () => {
          timer?.cancel();
          pending.delete(finish);
          unwatch?.();
          resolve();
        };
        // No timer for an unbounded wait: only wake() or the signal ends it.
        const timer: Timer | undefined = Number.isFinite(ms) ? timers.setTimeout(finish, Math.max(0, ms)) : undefined;
        pending.add(finish);
        if (signal !== undefined) unwatch = watchAbort(signal, finish);
        cancel = finish;
      });
      return { done, cancel: () => cancel() };
    },
  };
}
