/** Wake-ups from notifications, coalesced on the clock's timers (issue 14 item 8). */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/index.js";
import { coalesceWakeups } from "../../src/queue/wake-coalescer.js";

describe("coalesceWakeups", () => {
  it("wakes at once after a quiet window, and once per window however many notifications arrive", () => {
    const clock = new VirtualClock(0);
    let wakes = 0;
    const gate = coalesceWakeups(clock.timers, 25, () => {
      wakes += 1;
    });
    gate.notify();
    expect(wakes).toBe(1);
    for (let i = 0; i < 10_000; i++) gate.notify();
    expect(wakes).toBe(1);
    clock.advance(24);
    expect(wakes).toBe(1);
    clock.advance(1);
    expect(wakes).toBe(2); // the notifications inside the window, as one wake-up at its end
    clock.advance(1_000);
    expect(wakes).toBe(2); // nothing left to deliver
    gate.notify();
    expect(wakes).toBe(3); // a quiet window passed: at once
  });

  it("drops a scheduled wake-up when cancelled", () => {
    const clock = new VirtualClock(0);
    let wakes = 0;
    const gate = coalesceWakeups(clock.timers, 25, () => {
      wakes += 1;
    });
    gate.notify();
    gate.notify();
    gate.cancel();
    clock.advance(100);
    expect(wakes).toBe(1);
  });
});

describe("coalesceWakeups with a backoff", () => {
  it("stretches the window to the idle interval while wake-ups find nothing, and shrinks it once one finds work", () => {
    const clock = new VirtualClock(0);
    let wakes = 0;
    let fruitless = false;
    const gate = coalesceWakeups(
      clock.timers,
      25,
      () => {
        wakes += 1;
      },
      { idleIntervalMs: 1_000, fruitless: () => fruitless },
    );
    gate.notify();
    expect(wakes).toBe(1);
    fruitless = true; // the claim after that wake-up found nothing
    for (let i = 0; i < 1_000; i++) {
      gate.notify();
      clock.advance(10); // a flood: a notification every 10 ms for 10 s
    }
    // One wake-up per idle interval (the poll rate), not one per 25 ms window (that would be 400).
    expect(wakes).toBeLessThanOrEqual(11);
    expect(wakes).toBeGreaterThanOrEqual(10);
    fruitless = false; // a wake-up found messages: back to the short window
    clock.advance(1_000);
    const before = wakes;
    gate.notify();
    clock.advance(25);
    gate.notify();
    expect(wakes).toBe(before + 2);
  });
});
