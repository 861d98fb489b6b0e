/**
 * Queue controls, priorities (issue 17 item 4): `enqueue(p, { priority })` is claimed higher first, oldest first
 * within a priority, by single claims, batch claims and handler loops; bad priorities are refused, nothing written.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

describe.each(EVERY_BACKEND)("queue priorities on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const queue = `prio_${n}`;
    await pgqrs.admin(t.store).createQueue(queue);
    return { ...t, queue, producer: await t.store.producer(queue), consumer: await t.store.consumer(queue) };
  };

  it("claims higher priority first, oldest first within a priority", async () => {
    const { producer, consumer, clock } = await setup();
    const plan: [string, number | undefined][] = [
      ["a0", undefined],
      ["b5", 5],
      ["c-1", -1],
      ["d5", 5],
      ["e10", 10],
      ["f0", 0],
    ];
    for (const [payload, priority] of plan) {
      const m = await producer.enqueue(payload, priority === undefined ? {} : { priority });
      expect(m.priority).toBe(priority ?? 0);
      clock.advance(1);
    }
    const order: unknown[] = [];
    for (;;) {
      const [m] = await consumer.dequeue({ vtSeconds: 600 });
      if (m === undefined) break;
      order.push(m.payload);
    }
    expect(order).toEqual(["e10", "b5", "d5", "a0", "f0", "c-1"]);
  });

  it("a batch claim takes the highest priorities, in claim order", async () => {
    const { producer, consumer, clock } = await setup();
    await producer.enqueueBatch(["low1", "low2", "low3"]);
    clock.advance(1);
    await producer.enqueueBatch(["high1", "high2"], { priority: 7 });
    clock.advance(1);
    await producer.enqueue("mid", { priority: 3 });
    const batch = await consumer.dequeue({ batchSize: 4, vtSeconds: 600 });
    expect(batch.map((m) => m.payload)).toEqual(["high1", "high2", "mid", "low1"]);
    expect(batch.map((m) => m.priority)).toEqual([7, 7, 3, 0]);
  });

  it("within one priority, order is by enqueue time, then id (not by insertion order alone)", async () => {
    const { producer, consumer, clock } = await setup();
    const later = new Date(clock.now().getTime() + 1_000);
    const earlier = new Date(clock.now().getTime() - 1_000);
    await producer.enqueue("late", { priority: 2, at: later, delaySeconds: 0 });
    await producer.enqueue("early", { priority: 2, at: earlier });
    clock.advance(5_000);
    const batch = await consumer.dequeue({ batchSize: 2, vtSeconds: 600 });
    expect(batch.map((m) => m.payload)).toEqual(["early", "late"]);
  });

  it("a delayed high-priority message does not hold back visible ones", async () => {
    const { producer, consumer, clock } = await setup();
    await producer.enqueue("later-high", { priority: 100, delaySeconds: 60 });
    await producer.enqueue("now-low", { priority: -5 });
    const [first] = await consumer.dequeue({ vtSeconds: 600 });
    expect(first?.payload).toBe("now-low");
    clock.advance(60_000);
    const [second] = await consumer.dequeue({ vtSeconds: 600 });
    expect(second?.payload).toBe("later-high");
  });

  it("a handler loop handles in priority order; the builder sets the priority", async () => {
    const { store, queue, clock } = await setup();
    await pgqrs.enqueue().message("p1").to(queue).priority(1).execute(store);
    clock.advance(1);
    await pgqrs.enqueue().messages(["p9a", "p9b"]).to(queue).priority(9).execute(store);
    clock.advance(1);
    await pgqrs.enqueue().message("p0").to(queue).execute(store);
    const seen: unknown[] = [];
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .from(queue)
      .prefetch(0)
      .signal(ctl.signal)
      .handle(async (m) => {
        seen.push(m.payload);
        if (seen.length === 4) ctl.abort();
      })
      .poll(store);
    await loop;
    expect(seen).toEqual(["p9a", "p9b", "p1", "p0"]);
  });

  it("refuses a priority that is not an integer in -1,000,000..1,000,000, writing nothing", async () => {
    const { store, producer, queue } = await setup();
    const bad: unknown[] = [1.5, 1_000_001, -1_000_001, Number.NaN, Number.POSITIVE_INFINITY, "3", null];
    for (const priority of bad) {
      const one = await thrown(() => producer.enqueue("x", { priority } as unknown as pgqrs.EnqueueOptions));
      expect(one.code, `priority ${String(priority)}`).toBe("VALIDATION_FAILED");
      expect(one.message).toContain("priority");
      const many = await thrown(() => producer.enqueueBatch(["x"], { priority } as unknown as pgqrs.EnqueueOptions));
      expect(many.code).toBe("VALIDATION_FAILED");
    }
    const viaBuilder = await thrown(() => pgqrs.enqueue().message("x").to(queue).priority(2.5).execute(store));
    expect(viaBuilder.code).toBe("VALIDATION_FAILED");
    expect(await store.tables().messages().count()).toBe(0);
    const edges = await producer.enqueueBatch(["max"], { priority: 1_000_000 });
    const low = await producer.enqueue("min", { priority: -1_000_000 });
    expect(edges[0]?.priority).toBe(1_000_000);
    expect(low.priority).toBe(-1_000_000);
  });
});
