/**
 * Queue controls, ordered groups (issue 17 item 8): messages with one `groupKey` are delivered one at a time in
 * enqueue order, the next only once the previous is archived or dead-lettered; different keys run in parallel.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { gate, openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

interface Job {
  key: string;
  seq: number;
}

describe.each(EVERY_BACKEND)("ordered groups on %s", (backend) => {
  it("8 consumers, 20 keys × 50 messages: per key no overlap and enqueue order; keys run in parallel", async () => {
    const KEYS = 20;
    const PER_KEY = 50;
    const { store } = await openTestStore(backend, { clock: pgqrs.systemClock, maxConnections: 12 });
    await pgqrs.admin(store).createQueue("groups");
    const producer = await store.producer("groups");
    for (let k = 0; k < KEYS; k += 1) {
      const key = `key-${k}`;
      await producer.enqueueBatch(
        Array.from({ length: PER_KEY }, (_, seq) => ({ key, seq })),
        { groupKey: key },
      );
    }
    const events: { kind: "start" | "end"; key: string; seq: number }[] = [];
    const runningKeys = new Map<string, number>();
    let overlapInKey = false;
    let wrongKey = false;
    let parallelKeys = 0;
    // The first message of key-0 is held until another key has started meanwhile (keys run in parallel).
    const hold = gate();
    const ctl = new AbortController();
    const consumers = await Promise.all(Array.from({ length: 8 }, () => store.consumer("groups")));
    const loops = consumers.map((consumer) =>
      pgqrs
        .dequeue<Job>()
        .worker(consumer)
        .pollInterval(20)
        .withVt(300)
        .signal(ctl.signal)
        .handle(async (m) => {
          const { key, seq } = m.payload;
          if (m.groupKey !== key) wrongKey = true;
          if (runningKeys.has(key)) overlapInKey = true;
          runningKeys.set(key, seq);
          parallelKeys = Math.max(parallelKeys, runningKeys.size);
          events.push({ kind: "start", key, seq });
          if (key === "key-0" && seq === 0) await hold.wait;
          await new Promise((resolve) => setImmediate(resolve));
          events.push({ kind: "end", key, seq });
          runningKeys.delete(key);
        })
        .poll(store),
    );
    // Another key starts after key-0's first message started (it stays held, so running, until the gate opens).
    const otherKeyStartedWhileKey0Held = () => {
      const first = events.findIndex((e) => e.kind === "start" && e.key === "key-0");
      return first >= 0 && events.slice(first + 1).some((e) => e.kind === "start" && e.key !== "key-0");
    };
    await expect.poll(otherKeyStartedWhileKey0Held, { timeout: 20_000 }).toBe(true);
    expect(runningKeys.has("key-0")).toBe(true);
    hold.open();
    await expect
      .poll(async () => (await pgqrs.admin(store).queueMetrics("groups")).archivedMessages, { timeout: 60_000 })
      .toBe(KEYS * PER_KEY);
    ctl.abort();
    await Promise.all(loops);
    expect(overlapInKey).toBe(false);
    expect(wrongKey).toBe(false);
    expect(parallelKeys).toBeGreaterThanOrEqual(2);
    const starts = events.filter((e) => e.kind === "start");
    expect(starts).toHaveLength(KEYS * PER_KEY);
    for (let k = 0; k < KEYS; k += 1) {
      const key = `key-${k}`;
      const mine = events.filter((e) => e.key === key);
      // start 0, end 0, start 1, end 1, …: one at a time, in enqueue order.
      expect(mine.map((e) => `${e.kind}${e.seq}`)).toEqual(
        Array.from({ length: PER_KEY }, (_, seq) => [`start${seq}`, `end${seq}`]).flat(),
      );
    }
  }, 120_000);

  it("a claim takes only each group's head; messages without a key are not held back", async () => {
    const { store, clock } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("heads");
    const producer = await store.producer("heads");
    const [a1, a2] = await producer.enqueueBatch(["a1", "a2"], { groupKey: "a" });
    clock.advance(1);
    const [b1] = await producer.enqueueBatch(["b1", "b2"], { groupKey: "b" });
    clock.advance(1);
    const free = await producer.enqueueBatch(["x", "y"]);
    const consumer = await store.consumer("heads");
    const first = await consumer.dequeue({ batchSize: 10, vtSeconds: 600 });
    expect(first.map((m) => m.payload)).toEqual(["a1", "b1", "x", "y"]);
    // While a1 is leased, a2 waits; once a1 is archived, a2 is the head.
    expect(await consumer.dequeue({ batchSize: 10, vtSeconds: 600 })).toEqual([]);
    expect(await consumer.archive(a1!.id)).toBe(true);
    expect((await consumer.dequeue({ batchSize: 10, vtSeconds: 600 })).map((m) => m.id)).toEqual([a2!.id]);
    expect(b1?.groupKey).toBe("b");
    expect(free[0]?.groupKey).toBeNull();
  });

  it("within a group, enqueue order wins over priority; a delayed head holds its group", async () => {
    const { store, clock } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("order");
    const producer = await store.producer("order");
    const low = await producer.enqueue("low first", { groupKey: "p" });
    clock.advance(1);
    await producer.enqueue("high second", { groupKey: "p", priority: 100 });
    const later = await producer.enqueue("delayed head", { groupKey: "d", delaySeconds: 60 });
    clock.advance(1);
    await producer.enqueue("behind the delayed head", { groupKey: "d", priority: 5 });
    const consumer = await store.consumer("order");
    expect((await consumer.dequeue({ batchSize: 10, vtSeconds: 600 })).map((m) => m.id)).toEqual([low.id]);
    clock.advance(60_000);
    expect((await consumer.dequeue({ batchSize: 10, vtSeconds: 600 })).map((m) => m.id)).toEqual([later.id]);
  });

  it("an expired lease on the head is taken over; the next waits for it", async () => {
    const { store, clock } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("expiry");
    const producer = await store.producer("expiry");
    const [g1, g2] = await producer.enqueueBatch(["g1", "g2"], { groupKey: "g" });
    const c1 = await store.consumer("expiry");
    const c2 = await store.consumer("expiry");
    expect((await c1.dequeue({ vtSeconds: 10 })).map((m) => m.id)).toEqual([g1!.id]);
    clock.advance(10_001);
    expect((await c2.dequeue({ batchSize: 5, vtSeconds: 10 })).map((m) => m.id)).toEqual([g1!.id]);
    expect(await c1.archive(g1!.id)).toBe(false);
    expect(await c2.archive(g1!.id)).toBe(true);
    expect((await c1.dequeue({ batchSize: 5 })).map((m) => m.id)).toEqual([g2!.id]);
  });

  it("a failing head blocks its group through its backoff; once dead-lettered, the next is delivered", async () => {
    const POLL = 100;
    const { store, clock } = await openVirtualStore(backend);
    await pgqrs.admin(store).createQueue("blocked", { retry: { maxAttempts: 2, baseMs: 20_000, jitter: 0 } });
    const producer = await store.producer("blocked");
    await producer.enqueueBatch(["bad", "next"], { groupKey: "g" });
    await producer.enqueue("other", { groupKey: "h" });
    const seen: unknown[] = [];
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .from("blocked")
      .pollInterval(POLL)
      .signal(ctl.signal)
      .handle(async (m) => {
        seen.push(m.payload);
        if (m.payload === "bad") throw new Error("bad payload");
      })
      .poll(store);
    await expect.poll(() => seen, { timeout: 15_000 }).toEqual(["bad", "other"]);
    // During the 20 s backoff of "bad", "next" is not delivered.
    for (let i = 0; i < 19; i += 1) {
      clock.advance(1_000);
      await untilTimerAt(clock, POLL);
    }
    expect(seen).toEqual(["bad", "other"]);
    for (let i = 0; i < 10 && seen.length < 4; i += 1) {
      clock.advance(1_000);
      await untilTimerAt(clock, POLL);
    }
    await expect.poll(() => seen, { timeout: 15_000 }).toEqual(["bad", "other", "bad", "next"]);
    const dead = await pgqrs.admin(store).listDlq("blocked");
    expect(dead.map((m) => m.payload)).toEqual(["bad"]);
    ctl.abort();
    await loop;
  });

  it("refuses an empty, too long or non-string group key, writing nothing", async () => {
    const { store } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("badkeys");
    const producer = await store.producer("badkeys");
    for (const groupKey of ["", "x".repeat(256), "a\u0000b", 5, null]) {
      for (const call of [
        () => producer.enqueue("a", { groupKey } as unknown as pgqrs.EnqueueOptions),
        () => producer.enqueueBatch(["a", "b"], { groupKey } as unknown as pgqrs.EnqueueOptions),
      ]) {
        const err = await call().then(
          () => null,
          (e: pgqrs.PgqrsError) => e,
        );
        expect(err?.code, `groupKey ${JSON.stringify(groupKey)}`).toBe("VALIDATION_FAILED");
        expect(err?.message).toContain("groupKey");
      }
    }
    expect(await store.tables().messages().count({ state: "all" })).toBe(0);
    expect((await producer.enqueue("ok", { groupKey: "x".repeat(255) })).groupKey).toHaveLength(255);
  });
});
