/**
 * Queue controls, a rate limit across processes (issue 17 item 7), in virtual time: `{ rateLimit: { max,
 * perSeconds } }` never lets more than `max` claims of the queue happen in any `perSeconds` window (a sliding
 * window), across every consumer and store; claims beyond it wait for the window to move.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openVirtualStore } from "../support/virtual-time.js";

/** Poll interval of the loops: an odd value, so no other timer of the store is pending at exactly this delay. */
const POLL = 1_234;

/** The most claims in any window of `perMs` (half-open: a claim exactly `perMs` after another is in a new window). */
function maxInWindow(times: number[], perMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const end = sorted[i] as number;
    const inWindow = sorted.filter((t) => t > end - perMs && t <= end).length;
    max = Math.max(max, inWindow);
  }
  return max;
}

describe.each(EVERY_BACKEND)("queue rate limit on %s", (backend) => {
  it("two stores, four loops: at most max claims in any window; the rest wait for the window to move", async () => {
    const MAX = 3;
    const PER_MS = 10_000;
    const TOTAL = 8;
    const t = await openVirtualStore(backend);
    const other = await pgqrs.connect(t.dsn, { schema: t.schema, clock: t.clock });
    const { clock } = t;
    await pgqrs.admin(t.store).createQueue("rated", { rateLimit: { max: MAX, perSeconds: PER_MS / 1000 } });
    await (await t.store.producer("rated")).enqueueBatch(Array.from({ length: TOTAL }, (_, i) => i));
    const claimedAt: number[] = [];
    const ctl = new AbortController();
    const consumers = [
      await t.store.consumer("rated"),
      await t.store.consumer("rated"),
      await other.consumer("rated"),
      await other.consumer("rated"),
    ];
    const stores = [t.store, t.store, other, other];
    const loops = consumers.map((consumer, i) =>
      pgqrs
        .dequeue()
        .worker(consumer)
        .concurrency(2)
        .pollInterval(POLL)
        .signal(ctl.signal)
        .handle(async () => {
          claimedAt.push(clock.now().getTime());
        })
        .poll(stores[i] as pgqrs.Store),
    );
    // Every loop asleep for its poll interval: what they could claim at this instant, they have.
    const asleep = () =>
      expect
        .poll(() => clock.pending().filter((ms) => ms === POLL).length, { timeout: 15_000 })
        .toBeGreaterThanOrEqual(consumers.length);
    const start = clock.now().getTime();
    await asleep();
    expect(claimedAt).toHaveLength(MAX);
    // Within the first window nothing more is claimed, however often the loops poll.
    while (clock.now().getTime() + POLL < start + PER_MS) {
      clock.advance(POLL);
      await asleep();
      expect(claimedAt).toHaveLength(MAX);
    }
    // The window moves on: the rest come, at most MAX per window.
    for (let i = 0; i < 100 && claimedAt.length < TOTAL; i += 1) {
      clock.advance(POLL);
      await asleep();
    }
    expect(claimedAt).toHaveLength(TOTAL);
    expect(maxInWindow(claimedAt, PER_MS)).toBe(MAX);
    expect(claimedAt.filter((ms) => ms < start + PER_MS)).toHaveLength(MAX);
    // 8 claims at 3 per 10 s need three windows.
    expect(Math.max(...claimedAt) - start).toBeGreaterThanOrEqual(2 * PER_MS);
    await expect
      .poll(async () => (await pgqrs.admin(t.store).queueMetrics("rated")).archivedMessages, { timeout: 15_000 })
      .toBe(TOTAL);
    ctl.abort();
    await Promise.all(loops);
    await other.close();
  });

  it("updateQueue sets, changes and clears the rate limit", async () => {
    const t = await openVirtualStore(backend);
    const { clock } = t;
    await pgqrs.admin(t.store).createQueue("later");
    await (await t.store.producer("later")).enqueueBatch(Array.from({ length: 6 }, (_, i) => i));
    await pgqrs.admin(t.store).updateQueue("later", { rateLimit: { max: 1, perSeconds: 60 } });
    const claimedAt: number[] = [];
    const ctl = new AbortController();
    const consumer = await t.store.consumer("later");
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .concurrency(4)
      .pollInterval(POLL)
      .signal(ctl.signal)
      .handle(async () => {
        claimedAt.push(clock.now().getTime());
      })
      .poll(t.store);
    const asleep = () => expect.poll(() => clock.pending().includes(POLL), { timeout: 15_000 }).toBe(true);
    await asleep();
    expect(claimedAt).toHaveLength(1);
    for (let i = 0; i < 5; i += 1) {
      clock.advance(POLL);
      await asleep();
    }
    expect(claimedAt).toHaveLength(1);
    // Raised: the claim already in the window counts toward the new max too.
    await pgqrs.admin(t.store).updateQueue("later", { rateLimit: { max: 3, perSeconds: 60 } });
    clock.advance(POLL);
    await expect.poll(() => claimedAt.length, { timeout: 15_000 }).toBe(3);
    await asleep();
    clock.advance(POLL);
    await asleep();
    expect(claimedAt).toHaveLength(3);
    // Cleared: the rest at once.
    await pgqrs.admin(t.store).updateQueue("later", { rateLimit: null });
    clock.advance(POLL);
    await expect.poll(() => claimedAt.length, { timeout: 15_000 }).toBe(6);
    ctl.abort();
    await loop;
  });

  it("a rate limit and a concurrency limit together: each holds", async () => {
    const PER_MS = 10_000;
    const t = await openVirtualStore(backend);
    const { clock } = t;
    await pgqrs.admin(t.store).createQueue("both", {
      concurrencyLimit: 1,
      rateLimit: { max: 2, perSeconds: PER_MS / 1000 },
    });
    await (await t.store.producer("both")).enqueueBatch([1, 2, 3, 4]);
    let running = 0;
    let maxRunning = 0;
    const claimedAt: number[] = [];
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .from("both")
      .concurrency(4)
      .pollInterval(POLL)
      .signal(ctl.signal)
      .handle(async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        claimedAt.push(clock.now().getTime());
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
      })
      .poll(t.store);
    const start = clock.now().getTime();
    // Time moves a poll interval at a time (the loop's heartbeats keep up, as they would in real time).
    const step = async () => {
      clock.advance(POLL);
      await expect.poll(() => clock.pending().includes(POLL), { timeout: 15_000 }).toBe(true);
    };
    while (clock.now().getTime() + POLL < start + PER_MS) await step();
    // Within the first window: 2 claims, one at a time.
    expect(claimedAt).toHaveLength(2);
    expect(maxRunning).toBe(1);
    for (let i = 0; i < 30 && claimedAt.length < 4; i += 1) await step();
    expect(claimedAt).toHaveLength(4);
    expect(maxInWindow(claimedAt, PER_MS)).toBe(2);
    expect(maxRunning).toBe(1);
    ctl.abort();
    await loop;
  });

  it("a batch claim takes what the window allows; the next window's claims come as old ones leave it", async () => {
    const t = await openVirtualStore(backend);
    await pgqrs.admin(t.store).createQueue("batch", { rateLimit: { max: 3, perSeconds: 10 } });
    await (await t.store.producer("batch")).enqueueBatch(Array.from({ length: 10 }, (_, i) => i));
    const a = await t.store.consumer("batch");
    const b = await t.store.consumer("batch");
    expect(await a.dequeue({ batchSize: 2, vtSeconds: 600 })).toHaveLength(2);
    t.clock.advance(4_000);
    expect(await b.dequeue({ batchSize: 5, vtSeconds: 600 })).toHaveLength(1);
    expect(await a.dequeue({ batchSize: 5, vtSeconds: 600 })).toEqual([]);
    // 10 s after the first two: they leave the window, the one at 4 s stays.
    t.clock.advance(6_001);
    expect(await b.dequeue({ batchSize: 5, vtSeconds: 600 })).toHaveLength(2);
    expect(await a.dequeue({ batchSize: 5, vtSeconds: 600 })).toEqual([]);
    t.clock.advance(4_000);
    expect(await a.dequeue({ batchSize: 5, vtSeconds: 600 })).toHaveLength(1);
  });
});
