/**
 * One `abort` listener per signal for the whole package: many loops and waits sharing one shutdown signal add no
 * listener each (Node warns past 10), every watcher still runs once on abort, and an unwatched one does not.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { watchAbort } from "../../src/abort-watch.js";
import { sleep, systemTimers } from "../../src/clock.js";
import { createWaker } from "../../src/queue/wait.js";

/** The number of `abort` listeners Node counts on `signal`. */
function listeners(signal: AbortSignal): number {
  return getEventListeners(signal, "abort").length;
}

describe("watchAbort", () => {
  it("adds one listener per signal, however many watch it, and calls each watcher once", async () => {
    const ctl = new AbortController();
    const calls: number[] = [];
    const unwatch = [];
    for (let i = 0; i < 25; i++) unwatch.push(watchAbort(ctl.signal, () => calls.push(i)));
    expect(listeners(ctl.signal)).toBe(1);
    unwatch[3]?.();
    unwatch[3]?.();
    ctl.abort();
    ctl.abort();
    expect(calls).toHaveLength(24);
    expect(calls).not.toContain(3);
    expect(new Set(calls).size).toBe(24);
  });

  it("the last watcher to stop watching removes the listener", () => {
    const ctl = new AbortController();
    const stops = Array.from({ length: 12 }, () => watchAbort(ctl.signal, () => undefined));
    expect(listeners(ctl.signal)).toBe(1);
    for (const stop of stops) stop();
    expect(listeners(ctl.signal)).toBe(0);
    let called = false;
    watchAbort(ctl.signal, () => {
      called = true;
    });
    expect(listeners(ctl.signal)).toBe(1);
    ctl.abort();
    expect(called).toBe(true);
  });

  it("a watcher that throws does not stop the others", async () => {
    const ctl = new AbortController();
    let reached = false;
    const thrown = new Promise<unknown>((resolve) => process.once("uncaughtException", resolve));
    watchAbort(ctl.signal, () => {
      throw new Error("boom");
    });
    watchAbort(ctl.signal, () => {
      reached = true;
    });
    ctl.abort();
    expect(reached).toBe(true);
    expect(((await thrown) as Error).message).toBe("boom");
  });

  it("30 waits and sleeps on one signal: one listener, and all of them end at the abort", async () => {
    const ctl = new AbortController();
    const waker = createWaker();
    const ends = [
      ...Array.from({ length: 15 }, () => waker.wait(Number.POSITIVE_INFINITY, ctl.signal)),
      ...Array.from({ length: 15 }, () => sleep(systemTimers, 3_600_000, ctl.signal)),
    ];
    expect(listeners(ctl.signal)).toBe(1);
    ctl.abort();
    await Promise.all(ends);
    // A wait that ended by its timer or a wake-up stops watching: the signal's watchers do not pile up.
    const other = new AbortController();
    for (let i = 0; i < 40; i++) {
      const w = waker.sleep(Number.POSITIVE_INFINITY, other.signal);
      w.cancel();
      await w.done;
    }
    let called = 0;
    watchAbort(other.signal, () => {
      called += 1;
    });
    other.abort();
    expect(called).toBe(1);
    expect(listeners(other.signal)).toBe(0);
  });
});
