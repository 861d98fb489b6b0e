/**
 * Loop tests in virtual time: a store whose clock is a {@link VirtualClock}, so poll intervals, heartbeats, lease
 * renewals and give-back timers fire only when the test advances the clock, and handlers the test holds open until
 * it lets them go. Tests then wait for events (a row changed, a handler ran), never for a stretch of real time.
 */
import { expect } from "vitest";
import { type ConfigInput, VirtualClock } from "../../src/index.js";
import type { BackendName } from "./backends.js";
import { openTestStore, type TestStore } from "./stores.js";

/** Where every virtual clock of the tests starts. */
export const VIRTUAL_START = new Date("2026-01-01T00:00:00.000Z");

/** {@link openTestStore} with a {@link VirtualClock}. */
export async function openVirtualStore(
  backend: BackendName,
  options: Omit<ConfigInput, "dsn"> = {},
): Promise<Omit<TestStore, "clock"> & { clock: VirtualClock }> {
  const clock = new VirtualClock(VIRTUAL_START);
  const t = await openTestStore(backend, { ...options, clock });
  return { ...t, clock };
}

/** A promise a test resolves when it chooses: a handler awaits `wait`, the test calls `open()`. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** Resolves on the next turn of the event loop, after every promise continuation queued before it. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Wait (in real time, up to `timeoutMs`) until `clock` has a timer pending at least `minMs` ahead: a loop has
 * gone to sleep for that long.
 */
export async function untilSleeping(clock: VirtualClock, minMs: number, timeoutMs = 15_000): Promise<void> {
  await expect.poll(() => clock.pending().some((ms) => ms >= minMs), { timeout: timeoutMs }).toBe(true);
}

/**
 * Wait (in real time, up to `timeoutMs`) until `clock` has a timer pending exactly `ms` ahead: with time standing
 * still, a loop that went to sleep for its poll interval `ms` has done everything it does before sleeping.
 */
export async function untilTimerAt(clock: VirtualClock, ms: number, timeoutMs = 15_000): Promise<void> {
  await expect.poll(() => clock.pending().includes(ms), { timeout: timeoutMs }).toBe(true);
}

/**
 * Wait (in real time, up to `timeoutMs`) until `read()` gives `expected`, moving `clock` on by `stepMs` before each
 * look: for a timer that is armed only once some work has reached it (a claim is visible in the table before its
 * messages reach the lanes that arm their stall timer), so a single advance could come too early.
 */
export async function advanceUntil<T>(
  clock: VirtualClock,
  stepMs: number,
  read: () => T | Promise<T>,
  expected: T,
  timeoutMs = 15_000,
): Promise<void> {
  await expect
    .poll(
      () => {
        clock.advance(stepMs);
        return read();
      },
      { timeout: timeoutMs },
    )
    .toBe(expected);
}
