/** Something that can cut a wait short. */
export interface Waker {
  /** Resolve every pending wait now. */
  wake(): void;
  /** Wait up to `ms` milliseconds, or until woken or aborted. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A waker for idle loops: sleeps without spinning, wakes at once on `wake()` or abort. A `wake()` while nobody
 * waits is remembered and ends the next wait at once: a loop woken (by an enqueue notification) while it was busy
 * claiming would otherwise sleep a full poll interval past the message it was told about.
 */
export function createWaker(): Waker {
  const pending = new Set<() => void>();
  let missed = false;
  return {
    wake() {
      if (pending.size === 0) missed = true;
      for (const resolve of [...pending]) resolve();
    },
    wait(ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        if (missed) {
          missed = false;
          return resolve();
        }
        const done = () => {
          clearTimeout(timer);
          pending.delete(done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        pending.add(done);
        signal?.addEventListener("abort", done, { once: true });
      });
    },
  };
}
