/**
 * Claims keep pgqrs's order (priority DESC, enqueued_at, id) while a store's claims of a queue start from a bound
 * (PostgreSQL, src/store/postgres/postgres-claim-bound.ts): after a full batch, the next claims read the queue's
 * claim index from the first unarchived row of the batch's level, not from the head of its dead entries. Every row
 * that can become claimable again stays ahead of the bound: a delayed message that comes due, a released one, a
 * higher priority enqueued later, a lower level once the bound's runs out. A row enqueued behind the bound (a clock
 * behind by more than the bound's margin) waits at most for the next claim from the head, a second later. On every
 * backend (SQLite has no bound: the same order by construction); on PostgreSQL the bounded statements are checked
 * to have run.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { QueueMessage } from "../../src/index.js";
import { dropDatabase, EVERY_BACKEND, freshDatabase } from "../support/backends.js";
import { recordingPool } from "../support/recording-pool.js";
import { openTestStore } from "../support/stores.js";

describe.each(EVERY_BACKEND)("claims from a bound keep the claim order on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const queue = `bound_${n}`;
    await pgqrs.admin(t.store).createQueue(queue);
    const producer = await t.store.producer(queue);
    const consumer = await t.store.consumer(queue);
    /** Claims `size`, archives them, returns their payloads. */
    const take = async (size: number): Promise<unknown[]> => {
      const got = await consumer.dequeue({ batchSize: size, vtSeconds: 600 });
      await consumer.archiveMany(got.map((m) => m.id));
      return got.map((m) => m.payload);
    };
    return { ...t, queue, producer, consumer, take };
  };
  const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `m${from + i}`);

  it("a delayed message that comes due is claimed first, ahead of rows past the bound", async () => {
    const { producer, clock, take } = await setup();
    await producer.enqueue("due", { delaySeconds: 10.5 });
    await producer.enqueueBatch(names(1, 30));
    clock.advance(10_000);
    expect(await take(5)).toEqual(names(1, 5));
    expect(await take(5)).toEqual(names(6, 5));
    expect(await take(5)).toEqual(names(11, 5));
    clock.advance(600);
    expect(await take(5)).toEqual(["due", ...names(16, 4)]);
  });

  it("released messages are claimed again in their place, before later ones", async () => {
    const { producer, consumer, clock, take } = await setup();
    await producer.enqueueBatch(names(1, 30));
    clock.advance(10_000);
    const held = await consumer.dequeue({ batchSize: 5, vtSeconds: 600 });
    expect(held.map((m) => m.payload)).toEqual(names(1, 5));
    expect(await take(5)).toEqual(names(6, 5));
    expect(await take(5)).toEqual(names(11, 5));
    expect(await consumer.releaseMessages(held.map((m) => m.id))).toBe(5);
    expect(await take(7)).toEqual([...names(1, 5), ...names(16, 2)]);
  });

  it("archiveAndDequeue from a bound: a higher priority enqueued later comes first, then the bound's level", async () => {
    const { producer, consumer, clock } = await setup();
    await producer.enqueueBatch(names(1, 30));
    clock.advance(10_000);
    let held: QueueMessage[] = await consumer.dequeue({ batchSize: 5, vtSeconds: 600 });
    const order = held.map((m) => m.payload);
    for (let i = 0; i < 2; i++) {
      const r = await consumer.archiveAndDequeue(
        held.map((m) => m.id),
        { batchSize: 5, vtSeconds: 600 },
      );
      expect(r.archived).toEqual([true, true, true, true, true]);
      held = r.messages;
      order.push(...held.map((m) => m.payload));
    }
    await producer.enqueue("urgent", { priority: 5 });
    const r = await consumer.archiveAndDequeue(
      held.map((m) => m.id),
      { batchSize: 3, vtSeconds: 600 },
    );
    order.push(...r.messages.map((m) => m.payload));
    expect(order).toEqual([...names(1, 15), "urgent", ...names(16, 2)]);
  });

  it("a lower level is claimed, oldest first, once the bound's level runs out", async () => {
    const { producer, clock, take } = await setup();
    await producer.enqueueBatch(names(1, 10));
    await producer.enqueueBatch(["low1", "low2", "low3"], { priority: -1 });
    clock.advance(10_000);
    expect(await take(4)).toEqual(names(1, 4));
    expect(await take(4)).toEqual(names(5, 4));
    expect(await take(4)).toEqual([...names(9, 2), "low1", "low2"]);
    expect(await take(4)).toEqual(["low3"]);
  });

  it("a row enqueued behind the bound is claimed by the first claim from the head, a second later at most", async () => {
    const { producer, clock, take } = await setup();
    await producer.enqueueBatch(names(1, 40));
    clock.advance(10_000);
    const order = [...(await take(5)), ...(await take(5))];
    // A producer whose clock is a minute behind: its row sorts before everything still waiting.
    await producer.enqueue("late", { at: new Date(clock.now().getTime() - 60_000), delaySeconds: 0 });
    order.push(...(await take(5)));
    clock.advance(1_000);
    order.push(...(await take(5)));
    expect(order).toContain("late");
    // Everything else in enqueue order, none lost, none twice.
    expect(order.filter((p) => p !== "late")).toEqual(names(1, order.length - 1));
  });
});

describe.runIf(EVERY_BACKEND.includes("postgres"))("claim bounds on postgres", () => {
  const { dsn, schema } = freshDatabase("postgres");
  const { pool, names } = recordingPool(dsn);
  const clock = new pgqrs.ManualClock(new Date("2026-01-01T00:00:00.000Z"));
  let store: pgqrs.Store | undefined;
  afterAll(async () => {
    await store?.close();
    await pool.end();
    await dropDatabase("postgres", schema);
  });

  it("a drain in full batches runs the bounded claims and hands out every message once, in order", async () => {
    store = await pgqrs.connect(dsn, { schema, clock, pool });
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).createQueue("drain");
    const producer = await store.producer("drain");
    const consumer = await store.consumer("drain");
    const payloads = Array.from({ length: 400 }, (_, i) => i);
    for (let i = 0; i < payloads.length; i += 100) await producer.enqueueBatch(payloads.slice(i, i + 100));
    clock.advance(10_000);
    const seen: unknown[] = [];
    let held = await consumer.dequeue({ batchSize: 20, vtSeconds: 600 });
    while (held.length > 0) {
      seen.push(...held.map((m) => m.payload));
      const r = await consumer.archiveAndDequeue(
        held.map((m) => m.id),
        { batchSize: 20, vtSeconds: 600 },
      );
      held = r.messages;
      if (seen.length === 200) {
        // The plain claim from a bound too, mid-drain.
        const more = await consumer.dequeue({ batchSize: 20, vtSeconds: 600 });
        held = [...held, ...more];
      }
    }
    expect(seen).toEqual(payloads);
    // Statement names carry a per-schema prefix.
    const ran = (name: string) => names.filter((s) => s.endsWith(`_${name}`)).length;
    expect(ran("archive_and_dequeue_bounded")).toBeGreaterThan(10);
    expect(ran("dequeue_bounded")).toBeGreaterThan(0);
  });
});
