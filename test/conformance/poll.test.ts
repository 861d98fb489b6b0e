import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore, thrown } from "../support/stores.js";
import { openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("one-shot polls and worker administration on %s", (backend) => {
  const setup = async () => {
    const t = await openTestStore(backend, { pollIntervalMs: 10 });
    await t.store.queue("p");
    return { ...t, consumer: await t.store.consumer("p"), producer: await t.store.producer("p") };
  };

  it("returns [] at the until() deadline with the worker back to ready", async () => {
    const { store, consumer } = await setup();
    const got = await pgqrs.dequeue().worker(consumer).until(50).poll(store);
    expect(got).toEqual([]);
    expect(await consumer.status()).toBe("ready");
  });

  it("returns what is available at once, never waiting for a full batch", async () => {
    const { store, consumer, producer } = await setup();
    await producer.enqueue("one");
    const got = await pgqrs.dequeue().worker(consumer).batch(5).until(5_000).poll(store);
    expect(got.map((m) => m.payload)).toEqual(["one"]);
    expect(await consumer.status()).toBe("ready");
  });

  it("wakes when a message arrives while waiting", async () => {
    // On a virtual clock that never moves: the poll's 10 ms interval never ends, only the enqueue can wake it.
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 10 });
    await store.queue("p");
    const consumer = await store.consumer("p");
    const producer = await store.producer("p");
    const polling = pgqrs.dequeue().worker(consumer).until(5_000).poll(store);
    await untilTimerAt(clock, 10); // the first claim came back empty: the poll waits
    await producer.enqueue("late");
    expect((await polling).map((m) => m.payload)).toEqual(["late"]);
  });

  it("is woken by an enqueue through its store, not by its 60 s poll interval", async () => {
    const { store, clock } = await openVirtualStore(backend);
    await store.queue("p");
    const consumer = await store.consumer("p");
    const producer = await store.producer("p");
    const polling = pgqrs.dequeue().worker(consumer).pollInterval(60_000).until(20_000).poll(store);
    await untilTimerAt(clock, 20_000); // waiting for the poll interval or the until() deadline, whichever is first
    await producer.enqueue("woken");
    expect((await polling).map((m) => m.payload)).toEqual(["woken"]);
  });

  it("lets an interrupt win over a bounded poll", async () => {
    const { store, consumer } = await setup();
    const polling = pgqrs.dequeue().worker(consumer).until(5_000).poll(store);
    while ((await consumer.status()) !== "polling") await new Promise((r) => setTimeout(r, 5));
    await consumer.interrupt();
    const err = await thrown(() => polling);
    expect(err.code).toBe("SUSPENDED");
    expect(err.message).toContain("worker interrupted");
    expect(await consumer.status()).toBe("suspended");
  });

  it("refuses batch 0 for poll", async () => {
    const { store, consumer } = await setup();
    expect(await errorCode(() => pgqrs.dequeue().worker(consumer).batch(0).poll(store))).toBe("VALIDATION_FAILED");
    expect(await pgqrs.dequeue().worker(consumer).batch(0).fetchAll(store)).toEqual([]);
  });

  it("ends a loop whose worker an admin marked stopped (zombie reclaim) with a clear error", async () => {
    const { store, consumer, clock } = await setup();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async () => undefined)
      .poll(store);
    while ((await consumer.status()) !== "polling") await new Promise((r) => setTimeout(r, 5));
    clock.advance(3_600_000);
    await pgqrs.admin(store).reclaimMessages("p", 60_000);
    const err = await thrown(() => loop);
    expect(err.code).toBe("SUSPENDED");
    expect(err.message).toContain("worker stopped");
  });

  it("deletes workers only when unreferenced, and purges old stopped ones", async () => {
    const { store, producer, consumer, clock } = await setup();
    const admin = pgqrs.admin(store);
    await producer.enqueue("x");
    await producer.suspend();
    await producer.shutdown();
    const refused = await thrown(() => admin.deleteWorker(producer.id));
    expect(refused.code).toBe("VALIDATION_FAILED");
    expect(refused.message).toContain("associated messages");
    await consumer.suspend();
    await consumer.shutdown();
    clock.advance(120_000);
    expect(await admin.purgeOldWorkers(60_000)).toBe(1);
    expect(await store.tables().workers().get(consumer.id)).toBeNull();
    expect((await store.tables().workers().get(producer.id))?.status).toBe("stopped");
    await admin.purgeQueue("p");
    expect(await admin.deleteWorker(producer.id)).toBe(0);
  });

  it("releases a worker's messages for the admin", async () => {
    const { store, producer, consumer } = await setup();
    await producer.enqueueBatch([1, 2]);
    await consumer.dequeue({ batchSize: 2 });
    expect((await pgqrs.admin(store).getWorkerMessages(consumer.id)).length).toBe(2);
    expect(await pgqrs.admin(store).releaseWorkerMessages(consumer.id)).toBe(2);
    expect((await pgqrs.admin(store).queueMetrics("p")).pendingMessages).toBe(2);
    expect(await pgqrs.admin(store).getWorkerMessages(consumer.id)).toEqual([]);
  });
});
