import { describe, expect, it } from "vitest";
import { sleep, systemClock, systemTimers, timersOf, VirtualClock } from "../../src/index.js";

const START = Date.UTC(2026, 0, 1);

describe("VirtualClock", () => {
  it("fires timers only when advanced past them, in due order, each at its due time", () => {
    const clock = new VirtualClock(START);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.timers.nowMs() - START}`);
    clock.timers.setTimeout(at("b"), 200);
    clock.timers.setTimeout(at("a"), 100);
    clock.timers.setTimeout(at("a2"), 100);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(101);
    expect(fired).toEqual(["a@100", "a2@100", "b@200"]);
    expect(clock.now().getTime()).toBe(START + 200);
    expect(clock.pending()).toEqual([]);
  });

  it("repeats intervals until cancelled, and fires nothing cancelled", () => {
    const clock = new VirtualClock(START);
    let ticks = 0;
    const every = clock.timers.setInterval(() => {
      ticks += 1;
    }, 50);
    const never = clock.timers.setTimeout(() => {
      ticks += 1000;
    }, 120);
    never.cancel();
    clock.advance(175);
    expect(ticks).toBe(3);
    expect(clock.pending()).toEqual([25]);
    every.cancel();
    every.cancel();
    clock.advance(1_000);
    expect(ticks).toBe(3);
  });

  it("fires a timer set by a timer within the same advance", () => {
    const clock = new VirtualClock(START);
    const fired: number[] = [];
    clock.timers.setTimeout(() => {
      fired.push(clock.timers.nowMs() - START);
      clock.timers.setTimeout(() => fired.push(clock.timers.nowMs() - START), 30);
    }, 10);
    clock.advance(100);
    expect(fired).toEqual([10, 40]);
  });

  it("fires a timer due now from the event loop, not inside the call that set it", async () => {
    const clock = new VirtualClock(START);
    let fired = false;
    clock.timers.setTimeout(() => {
      fired = true;
    }, 0);
    expect(fired).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(fired).toBe(true);
    expect(clock.now().getTime()).toBe(START);
  });

  it("runs the next timer on runNext, and never moves back", () => {
    const clock = new VirtualClock(START);
    expect(clock.runNext()).toBe(false);
    let fired = 0;
    clock.timers.setTimeout(() => {
      fired += 1;
    }, 5_000);
    expect(clock.runNext()).toBe(true);
    expect(fired).toBe(1);
    expect(clock.now().getTime()).toBe(START + 5_000);
    expect(() => clock.set(START)).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    clock.set(START + 6_000);
    expect(clock.now().getTime()).toBe(START + 6_000);
  });

  it("ends a sleep on its timers, or at once on abort", async () => {
    const clock = new VirtualClock(START);
    let slept = false;
    const done = sleep(clock.timers, 1_000).then(() => {
      slept = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(slept).toBe(false);
    clock.advance(1_000);
    await done;
    expect(slept).toBe(true);
    const ctl = new AbortController();
    const aborted = sleep(clock.timers, 60_000, ctl.signal);
    expect(clock.pending()).toEqual([60_000]);
    ctl.abort();
    await aborted;
    expect(clock.pending()).toEqual([]);
  });

  it("is what the engine waits on; other clocks use the system timers", () => {
    const clock = new VirtualClock(START);
    expect(timersOf(clock)).toBe(clock.timers);
    expect(timersOf(systemClock)).toBe(systemTimers);
    expect(timersOf({ now: () => new Date() })).toBe(systemTimers);
  });
});
