/**
 * Handler loops claim ahead of their free slots while handlers are fast (`DequeueBuilder.prefetch`). Checked for
 * correctness only: order, exactly-once handling, and that nothing claimed ahead stays leased or counted as a
 * delivery once the loop ends.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { errorCode, openTestStore, thrown } from "../support/stores.js";

describe.each(BACKENDS)("prefetching handler loops on %s", (backend) => {
  let n = 0;
  const setup = async (count: number) => {
    const { store, clock } = await openTestStore(backend, { pollIntervalMs: 20 });
    const queue = `prefetch_${++n}`;
    await store.queue(queue);
    const producer = await store.producer(queue);
    const ids = (await producer.enqueueBatch(Array.from({ length: count }, (_, i) => i))).map((m) => m.id);
    return { store, clock, queue, ids, consumer: await store.consumer(queue) };
  };

  /**
   * Serve `count` messages until the handler has seen `interruptAt` of them, then interrupt the worker. Handlers
   * take `delayMs` each, and 30 ms from the interrupt on, so the loop sees the interrupt while messages it may have
   * claimed ahead still wait. Returns the messages no handler saw: none may be leased or carry a counted delivery.
   */
  const interruptedLoop = async (count: number, o: { prefetch?: number; interruptAt: number; delayMs?: number }) => {
    const t = await setup(count);
    const handled = new Set<number>();
    const builder = pgqrs.dequeue().worker(t.consumer);
    if (o.prefetch !== undefined) builder.prefetch(o.prefetch);
    const loop = builder
      .handle(async (m) => {
        handled.add(m.id);
        if (o.delayMs !== undefined) await new Promise((r) => setTimeout(r, o.delayMs));
        if (handled.size === o.interruptAt) await t.consumer.interrupt();
        if (handled.size >= o.interruptAt) await new Promise((r) => setTimeout(r, 30));
      })
      .poll(t.store);
    expect(await loop).toBe("interrupted");
    const rows = await Promise.all(
      t.ids.filter((id) => !handled.has(id)).map((id) => t.store.tables().messages().get(id)),
    );
    const rest = rows.map((m) => {
      if (m === null) throw new Error("message vanished");
      return m;
    });
    expect(rest.length).toBe(count - handled.size);
    return { ...t, handled, rest, claimedAhead: rest.filter((m) => m.dequeuedAt !== null).length };
  };

  it("handles messages in FIFO order at concurrency 1, each once", async () => {
    const { store, consumer } = await setup(300);
    const seen: number[] = [];
    const stop = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .signal(stop.signal)
      .prefetch(16)
      .handle(async (m) => {
        seen.push(m.payload as number);
      })
      .poll(store);
    await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(300);
    stop.abort();
    expect(await loop).toBe("aborted");
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(await consumer.heldMessageCount()).toBe(0);
  });

  it("gives back the messages it claimed ahead, unrun and with their delivery refunded, when interrupted", async () => {
    const { store, consumer, queue, handled, rest, claimedAhead } = await interruptedLoop(100, {
      prefetch: 8,
      interruptAt: 20,
    });
    expect(await consumer.heldMessageCount()).toBe(0);
    const metrics = await pgqrs.admin(store).queueMetrics(queue);
    expect(metrics.archivedMessages).toBe(handled.size);
    for (const m of rest) {
      expect(m.archivedAt).toBeNull();
      expect(m.consumerWorkerId).toBeNull();
      expect(m.readCt).toBe(0);
    }
    // Some were claimed ahead (they carry a dequeue time) and came back.
    expect(claimedAhead).toBeGreaterThan(0);
  });

  it("gives back what it claimed ahead when its handler turns slow, so another consumer runs it", async () => {
    const { store, queue, consumer } = await setup(60);
    const other = await store.consumer(queue);
    const mine: number[] = [];
    const theirs: number[] = [];
    let theirsWhileSlow = 0;
    let slowDone = false;
    const stop = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .signal(stop.signal)
      .handle(async (m) => {
        mine.push(m.payload as number);
        // Fast handlers first (the loop starts prefetching), then one that takes 4 s.
        if (mine.length === 30) {
          await new Promise((r) => setTimeout(r, 4_000));
          slowDone = true;
        }
      })
      .poll(store);
    await expect.poll(() => mine.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    const helper = pgqrs
      .dequeue()
      .worker(other)
      .signal(stop.signal)
      .handle(async (m) => {
        theirs.push(m.payload as number);
        if (!slowDone) theirsWhileSlow += 1;
      })
      .poll(store);
    // Within the slow handler's 4 s, the messages claimed ahead came back and the other consumer ran them.
    await expect.poll(() => theirsWhileSlow, { timeout: 3_500 }).toBeGreaterThan(0);
    expect(slowDone).toBe(false);
    await expect.poll(() => mine.length + theirs.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(60);
    stop.abort();
    await loop;
    await helper;
    expect(new Set([...mine, ...theirs]).size).toBe(mine.length + theirs.length);
  });

  it("prefetches by default on both backends", async () => {
    const { claimedAhead } = await interruptedLoop(100, { interruptAt: 20 });
    expect(claimedAhead).toBeGreaterThan(0);
  });

  it("acknowledges fast handlers at concurrency 1 many messages per statement", async () => {
    const { store, clock, queue, ids, consumer } = await setup(200);
    const stop = new AbortController();
    let handled = 0;
    // Each handler moves the clock on by 1 ms, so every acknowledging statement stamps its own archive time.
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .signal(stop.signal)
      .prefetch(16)
      .handle(async () => {
        clock.advance(1);
        handled += 1;
      })
      .poll(store);
    await expect.poll(() => handled, { timeout: 20_000 }).toBe(200);
    stop.abort();
    expect(await loop).toBe("aborted");
    const rows = await Promise.all(ids.map((id) => store.tables().messages().get(id)));
    const stamps = new Set(rows.map((m) => m?.archivedAt?.getTime()));
    expect(stamps.has(undefined)).toBe(false);
    expect((await pgqrs.admin(store).queueMetrics(queue)).archivedMessages).toBe(200);
    // One statement per message would give 200 distinct archive times.
    expect(stamps.size).toBeLessThanOrEqual(50);
  });

  it("claims only for free slots with prefetch(0)", async () => {
    const { claimedAhead } = await interruptedLoop(50, { prefetch: 0, interruptAt: 5 });
    expect(claimedAhead).toBe(0);
  });

  it("does not claim ahead of handlers slower than 25 ms", async () => {
    const { claimedAhead } = await interruptedLoop(20, { prefetch: 8, interruptAt: 4, delayMs: 40 });
    expect(claimedAhead).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN])("refuses prefetch(%s) with VALIDATION_FAILED", async (bad) => {
    const { store, consumer } = await setup(1);
    const poll = () =>
      pgqrs
        .dequeue()
        .worker(consumer)
        .prefetch(bad)
        .handle(async () => undefined)
        .poll(store);
    expect(await errorCode(poll)).toBe("VALIDATION_FAILED");
    expect((await thrown(poll)).message).toContain("prefetch");
    expect(await consumer.status()).toBe("ready");
  });
});
