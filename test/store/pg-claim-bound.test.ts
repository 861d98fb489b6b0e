/**
 * PostgreSQL claims after the last claimed position (issue 21, item 3; src/store/postgres/postgres-claim-bound.ts):
 * higher priorities still come first, a message that became visible behind the bound is claimed once the queue past
 * it runs short or the bound is a second old, and this store's own releases put the next claim back at the head.
 */
import { describe, expect, it } from "vitest";
import type { QueueMessage } from "../../src/index.js";
import { CLAIM_BOUND_MAX_AGE_MS, createClaimBounds } from "../../src/store/postgres/postgres-claim-bound.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { VIRTUAL_START, openVirtualStore } from "../support/virtual-time.js";

const payloads = (ms: QueueMessage[]) => ms.map((m) => m.payload);

describe.skipIf(!EVERY_BACKEND.includes("postgres"))("bounded claims (PostgreSQL)", () => {
  async function setup(queue: string) {
    const { store, clock } = await openVirtualStore("postgres");
    await store.queue(queue);
    const producer = await store.producer(queue);
    const consumer = await store.consumer(queue);
    await producer.enqueueBatch(["m1", "m2", "m3", "m4", "m5", "m6"]);
    return { store, clock, producer, consumer };
  }

  it("claims past the bound first, higher priorities before it, and what is behind it once the rest runs short", async () => {
    const { producer, consumer } = await setup("bound_order");
    expect(payloads(await consumer.dequeue({ batchSize: 2 }))).toEqual(["m1", "m2"]);
    // Visible at once, but older than the bound (as a retry released by another process would be).
    await producer.enqueueAt("late", new Date(VIRTUAL_START.getTime() - 60_000));
    expect(payloads(await consumer.dequeue({ batchSize: 2 }))).toEqual(["m3", "m4"]);
    await producer.enqueue("urgent", { priority: 5 });
    expect(payloads(await consumer.dequeue({ batchSize: 1 }))).toEqual(["urgent"]);
    // Past the bound: m5, m6; then the range behind it.
    expect(payloads(await consumer.dequeue({ batchSize: 5 }))).toEqual(["late", "m5", "m6"]);
    expect(await consumer.dequeue({ batchSize: 5 })).toEqual([]);
  });

  it("claims from the head again once the bound is CLAIM_BOUND_MAX_AGE_MS old", async () => {
    const { clock, producer, consumer } = await setup("bound_age");
    expect(payloads(await consumer.dequeue({ batchSize: 2 }))).toEqual(["m1", "m2"]);
    await producer.enqueueAt("late", new Date(VIRTUAL_START.getTime() - 60_000));
    clock.advance(CLAIM_BOUND_MAX_AGE_MS - 1);
    expect(payloads(await consumer.dequeue({ batchSize: 1 }))).toEqual(["m3"]);
    clock.advance(1);
    expect(payloads(await consumer.dequeue({ batchSize: 1 }))).toEqual(["late"]);
  });

  it("a release through this store puts the next claim back at the head (oldest first)", async () => {
    const { consumer } = await setup("bound_release");
    const [m1] = await consumer.dequeue({ batchSize: 3 });
    expect(m1?.payload).toBe("m1");
    expect(await consumer.releaseMany([m1!.id])).toEqual([true]);
    expect(payloads(await consumer.dequeue({ batchSize: 2 }))).toEqual(["m1", "m4"]);
  });
});

describe("claim bounds", () => {
  const at = (ms: number) => new Date(VIRTUAL_START.getTime() + ms);
  const msg = (id: number, priority = 0, enqueuedMs = id): QueueMessage =>
    ({ id, priority, enqueuedAt: at(enqueuedMs) }) as QueueMessage;

  it("moves to the last claimed message in claim order, never back on a bounded claim, and ages from the head claim", () => {
    const bounds = createClaimBounds(1_000);
    expect(bounds.get(1, at(0))).toBeUndefined();
    bounds.claimed(1, at(0), [msg(3), msg(5), msg(4)], false);
    expect(bounds.get(1, at(10))).toEqual([0, at(5), 5]);
    bounds.claimed(1, at(500), [msg(2)], true);
    expect(bounds.get(1, at(500))).toEqual([0, at(5), 5]);
    // Lower priority comes later in claim order.
    bounds.claimed(1, at(600), [msg(9, 1), msg(7, 0)], true);
    expect(bounds.get(1, at(600))).toEqual([0, at(7), 7]);
    expect(bounds.get(1, at(999))).toEqual([0, at(7), 7]);
    expect(bounds.get(1, at(1_000))).toBeUndefined();
    expect(bounds.get(2, at(0))).toBeUndefined();
    bounds.claimed(1, at(2_000), [msg(1)], false);
    expect(bounds.get(1, at(1_500))).toBeUndefined(); // a clock that went back: from the head
    bounds.claimed(1, at(2_000), [msg(1)], false);
    bounds.reset();
    expect(bounds.get(1, at(2_000))).toBeUndefined();
  });
});
