/**
 * Handler loops claim ahead of their free slots while handlers are fast (`DequeueBuilder.prefetch`). Checked for
 * correctness only: order, exactly-once handling, and that nothing claimed ahead stays leased or counted as a
 * delivery once the loop ends. The stores run on a virtual clock: a handler takes exactly the time it advances the
 * clock by (none unless it does), so whether a loop prefetches never depends on the machine's load.
 */
import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { STALLED_WAIT_MS } from "../../src/queue/poll-lanes.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, thrown } from "../support/stores.js";
import { advanceUntil, gate, nextTurn, openVirtualStore } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("prefetching handler loops on %s", (backend) => {
  let n = 0;
  const setup = async (count: number) => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 20 });
    const queue = `prefetch_${++n}`;
    await store.queue(queue);
    const producer = await store.producer(queue);
    const ids = (await producer.enqueueBatch(Array.from({ length: count }, (_, i) => i))).map((m) => m.id);
    return { store, clock, queue, ids, consumer: await store.consumer(queue) };
  };

  /**
   * Serve `count` messages until the handler has seen `interruptAt` of them, then interrupt the worker. Handlers
   * take `delayMs` of virtual time each; the one that interrupts returns only once the loop has seen the interrupt
   * (it moved the worker to suspended), so messages it claimed ahead are still waiting then. Returns the messages
   * no handler saw: none may be leased or carry a counted delivery.
   */
  const interruptedLoop = async (count: number, o: { prefetch?: number; interruptAt: number; delayMs?: number }) => {
    const t = await setup(count);
    const handled = new Set<number>();
    const suspended = gate();
    t.consumer.onStatusChange(() => {
      if (t.consumer.record.status === "suspended") suspended.open();
    });
    const builder = pgqrs.dequeue().worker(t.consumer);
    if (o.prefetch !== undefined) builder.prefetch(o.prefetch);
    const loop = builder
      .handle(async (m) => {
        handled.add(m.id);
        if (o.delayMs !== undefined) t.clock.advance(o.delayMs);
        if (handled.size === o.interruptAt) {
          await t.consumer.interrupt();
          await suspended.wait;
          // The loop stops its lanes in the same turn as it suspends the worker.
          await nextTurn();
        }
      })
      .poll(t.store);
    expect(await loop).toBe("interrupted");
    expect(handled.size).toBe(o.interruptAt);
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
    const { store, clock, queue, consumer } = await setup(60);
    const other = await store.consumer(queue);
    const mine: number[] = [];
    const theirs: number[] = [];
    const slow = gate();
    const stop = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .signal(stop.signal)
      .handle(async (m) => {
        mine.push(m.payload as number);
        // Fast handlers first (the loop starts prefetching), then one that runs until the test lets it go.
        if (mine.length === 30) await slow.wait;
      })
      .poll(store);
    await vi.waitFor(() => expect(mine.length).toBe(30), { timeout: 15_000 });
    // The loop holds messages claimed ahead of the slow handler.
    await expect.poll(() => consumer.heldMessageCount(), { timeout: 15_000 }).toBeGreaterThan(1);
    const claimedAhead = (await pgqrs.admin(store).getWorkerMessages(consumer.id))
      .map((m) => m.payload as number)
      .filter((p) => !mine.includes(p));
    expect(claimedAhead.length).toBeGreaterThan(0);
    // No lane started anything for STALLED_WAIT_MS: the waiting messages go back; only the slow one stays held. A
    // claim is visible in the table before its messages reach the lanes (which arm the stall timer then), so the
    // clock moves on again at each look until they are given back.
    await advanceUntil(clock, STALLED_WAIT_MS, () => consumer.heldMessageCount(), 1);
    const helper = pgqrs
      .dequeue()
      .worker(other)
      .signal(stop.signal)
      .handle(async (m) => {
        theirs.push(m.payload as number);
      })
      .poll(store);
    // While the slow handler still runs, the other consumer runs everything else, the given-back messages included.
    await vi.waitFor(() => expect(theirs.length).toBe(30), { timeout: 15_000 });
    expect(theirs).toEqual(expect.arrayContaining(claimedAhead));
    slow.open();
    stop.abort();
    expect(await loop).toBe("aborted");
    expect(await helper).toBe("aborted");
    expect(mine).toHaveLength(30);
    expect(new Set([...mine, ...theirs])).toEqual(new Set(Array.from({ length: 60 }, (_, i) => i)));
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
