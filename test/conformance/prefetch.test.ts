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
    const { store } = await openTestStore(backend, { pollIntervalMs: 20 });
    const queue = `prefetch_${++n}`;
    await store.queue(queue);
    const producer = await store.producer(queue);
    const ids = (await producer.enqueueBatch(Array.from({ length: count }, (_, i) => i))).map((m) => m.id);
    return { store, queue, ids, consumer: await store.consumer(queue) };
  };

  /** The loop's messages that no handler saw: none may be leased or carry a counted delivery. */
  const unhandled = async (store: pgqrs.Store, ids: number[], handled: Set<number>) => {
    const rows = await Promise.all(ids.filter((id) => !handled.has(id)).map((id) => store.tables().messages().get(id)));
    return rows.map((m) => {
      if (m === null) throw new Error("message vanished");
      return m;
    });
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
    const { store, consumer, ids, queue } = await setup(100);
    const handled = new Set<number>();
    let calls = 0;
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .prefetch(8)
      .handle(async (m) => {
        handled.add(m.id);
        calls += 1;
        if (calls === 20) await consumer.interrupt();
        // Slower from here on, so the loop sees the interrupt while prefetched messages still wait.
        if (calls >= 20) await new Promise((r) => setTimeout(r, 30));
      })
      .poll(store);
    expect(await loop).toBe("interrupted");
    expect(await consumer.heldMessageCount()).toBe(0);
    const metrics = await pgqrs.admin(store).queueMetrics(queue);
    expect(metrics.archivedMessages).toBe(handled.size);
    const rest = await unhandled(store, ids, handled);
    expect(rest.length).toBe(100 - handled.size);
    for (const m of rest) {
      expect(m.archivedAt).toBeNull();
      expect(m.consumerWorkerId).toBeNull();
      expect(m.readCt).toBe(0);
    }
    // Some were claimed ahead (they carry a dequeue time) and came back.
    expect(rest.filter((m) => m.dequeuedAt !== null).length).toBeGreaterThan(0);
  });

  it("prefetches by default only where a claim is a network round trip", async () => {
    const { store, consumer, ids } = await setup(100);
    const handled = new Set<number>();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async (m) => {
        handled.add(m.id);
        if (handled.size === 20) await consumer.interrupt();
        if (handled.size >= 20) await new Promise((r) => setTimeout(r, 30));
      })
      .poll(store);
    expect(await loop).toBe("interrupted");
    const rest = await unhandled(store, ids, handled);
    const claimedAhead = rest.filter((m) => m.dequeuedAt !== null).length;
    if (store.capabilities.networkRoundTrips) expect(claimedAhead).toBeGreaterThan(0);
    else expect(claimedAhead).toBe(0);
  });

  it("claims only for free slots with prefetch(0)", async () => {
    const { store, consumer, ids } = await setup(50);
    const handled = new Set<number>();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .prefetch(0)
      .handle(async (m) => {
        handled.add(m.id);
        if (handled.size === 5) await consumer.interrupt();
      })
      .poll(store);
    expect(await loop).toBe("interrupted");
    const rest = await unhandled(store, ids, handled);
    expect(rest.length).toBe(50 - handled.size);
    expect(rest.filter((m) => m.dequeuedAt !== null)).toEqual([]);
  });

  it("does not claim ahead of handlers slower than 25 ms", async () => {
    const { store, consumer, ids } = await setup(20);
    const handled = new Set<number>();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .prefetch(8)
      .handle(async (m) => {
        handled.add(m.id);
        await new Promise((r) => setTimeout(r, 40));
        if (handled.size === 4) await consumer.interrupt();
      })
      .poll(store);
    expect(await loop).toBe("interrupted");
    const rest = await unhandled(store, ids, handled);
    expect(rest.length).toBe(20 - handled.size);
    expect(rest.filter((m) => m.dequeuedAt !== null)).toEqual([]);
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
