/** The idle-loop waker (src/queue/wait.ts): wake-ups, remembered wake-ups, timeouts in virtual time, cancel, abort. */
import { describe, expect, it } from "vitest";
import { createWaker } from "../../src/queue/wait.js";
import { VirtualClock } from "../../src/virtual-clock.js";
import { nextTurn } from "../support/virtual-time.js";

/** Whether `promise` has settled, read after the pending continuations ran. */
function tracked(promise: Promise<void>): { settled: () => Promise<boolean> } {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  return {
    settled: async () => {
      await nextTurn();
      return done;
    },
  };
}

describe("createWaker: timeouts", () => {
  it("a wait ends when its time has passed on the waker's timers, not before", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const w = tracked(waker.wait(1_000));
    expect(clock.pending()).toEqual([1_000]);
    clock.advance(999);
    expect(await w.settled()).toBe(false);
    clock.advance(1);
    expect(await w.settled()).toBe(true);
    expect(clock.pending()).toEqual([]);
  });

  it("a wait of 0 or less ends on its own, without the clock moving", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    await waker.wait(0);
    await waker.wait(-50);
    expect(clock.now().getTime()).toBe(0);
  });

  it("a wait of Infinity sets no timer and lasts until woken", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const w = tracked(waker.wait(Number.POSITIVE_INFINITY));
    expect(clock.pending()).toEqual([]);
    clock.advance(365 * 86_400_000);
    expect(await w.settled()).toBe(false);
    waker.wake();
    expect(await w.settled()).toBe(true);
  });
});

describe("createWaker: wake()", () => {
  it("ends every pending wait at once and clears their timers", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const a = tracked(waker.wait(5_000));
    const b = tracked(waker.wait(60_000));
    expect(clock.pending()).toHaveLength(2);
    waker.wake();
    expect(await a.settled()).toBe(true);
    expect(await b.settled()).toBe(true);
    expect(clock.pending()).toEqual([]);
  });

  it("a wake-up that ended a wait is not remembered: the next wait sleeps its full time", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const first = waker.wait(5_000);
    waker.wake();
    await first;
    const second = tracked(waker.wait(5_000));
    expect(await second.settled()).toBe(false);
    clock.advance(5_000);
    expect(await second.settled()).toBe(true);
  });

  it("a wake-up while nobody waits is remembered, once, and ends the next wait at once", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    waker.wake();
    waker.wake(); // several wake-ups while busy are still one
    await waker.wait(60_000);
    expect(clock.pending()).toEqual([]); // it never slept
    const next = tracked(waker.wait(60_000));
    expect(await next.settled()).toBe(false);
    clock.advance(60_000);
    expect(await next.settled()).toBe(true);
  });

  it("a wait that timed out leaves nothing behind: a later wake() is remembered for the wait after", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const first = waker.wait(100);
    clock.advance(100);
    await first;
    waker.wake();
    await waker.wait(60_000);
    expect(clock.pending()).toEqual([]);
  });
});

describe("createWaker: sleep() and cancel", () => {
  it("cancel() ends the sleep at once, clears its timer, and does not affect other sleepers", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const a = waker.sleep(10_000);
    const b = tracked(waker.sleep(20_000).done);
    const aDone = tracked(a.done);
    a.cancel();
    expect(await aDone.settled()).toBe(true);
    expect(await b.settled()).toBe(false);
    expect(clock.pending()).toEqual([20_000]);
    a.cancel(); // twice: no-op
    clock.advance(20_000);
    expect(await b.settled()).toBe(true);
  });

  it("cancel() does not consume a remembered wake-up, and leaves none behind", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const s = waker.sleep(10_000);
    s.cancel();
    await s.done;
    // Nothing was remembered by the cancel: the next wait sleeps.
    const w = tracked(waker.wait(10_000));
    expect(await w.settled()).toBe(false);
    waker.wake();
    expect(await w.settled()).toBe(true);
  });

  it("a sleep started after an unheard wake() ends at once; its cancel() is then a no-op", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    waker.wake();
    const s = waker.sleep(10_000);
    await s.done;
    s.cancel();
    expect(clock.pending()).toEqual([]);
    // The remembered wake-up was used up by that sleep.
    const w = tracked(waker.wait(10_000));
    expect(await w.settled()).toBe(false);
    clock.advance(10_000);
    expect(await w.settled()).toBe(true);
  });
});

describe("createWaker: AbortSignal", () => {
  it("an abort ends the wait at once and clears its timer", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const ac = new AbortController();
    const w = tracked(waker.wait(60_000, ac.signal));
    expect(await w.settled()).toBe(false);
    ac.abort();
    expect(await w.settled()).toBe(true);
    expect(clock.pending()).toEqual([]);
  });

  it("an already-aborted signal ends the wait at once without using up a remembered wake-up", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const ac = new AbortController();
    ac.abort();
    waker.wake(); // remembered
    await waker.wait(60_000, ac.signal);
    expect(clock.pending()).toEqual([]);
    // The remembered wake-up is still there for the next (unaborted) wait.
    await waker.wait(60_000);
    expect(clock.pending()).toEqual([]);
  });

  it("an abort of one waiter's signal leaves the others waiting", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const ac = new AbortController();
    const a = tracked(waker.wait(1_000, ac.signal));
    const b = tracked(waker.wait(1_000));
    ac.abort();
    expect(await a.settled()).toBe(true);
    expect(await b.settled()).toBe(false);
    clock.advance(1_000);
    expect(await b.settled()).toBe(true);
  });

  it("a wait that ended another way no longer listens to its signal", async () => {
    const clock = new VirtualClock(0);
    const waker = createWaker(clock.timers);
    const ac = new AbortController();
    let listeners = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    const remove = ac.signal.removeEventListener.bind(ac.signal);
    ac.signal.addEventListener = (...args: Parameters<typeof add>) => {
      listeners += 1;
      add(...args);
    };
    ac.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      listeners -= 1;
      remove(...args);
    };
    const w = waker.wait(1_000, ac.signal);
    expect(listeners).toBe(1);
    clock.advance(1_000);
    await w;
    expect(listeners).toBe(0);
    const v = waker.wait(1_000, ac.signal);
    waker.wake();
    await v;
    expect(listeners).toBe(0);
  });
});
