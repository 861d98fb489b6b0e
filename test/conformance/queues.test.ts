import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore, thrown } from "../support/stores.js";

describe.each(EVERY_BACKEND)("queues and admin on %s", (backend) => {
  it("a refused duplicate uses up no queue id: the next queue's id follows the last one's", async () => {
    const { store } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    const first = await admin.createQueue("ids_first");
    for (let i = 0; i < 3; i++)
      expect((await thrown(() => admin.createQueue("ids_first"))).code).toBe("QUEUE_ALREADY_EXISTS");
    expect((await admin.createQueue("ids_first", { ifNotExists: true })).id).toBe(first.id);
    const next = await admin.createQueue("ids_next");
    expect(next.id).toBe(first.id + 1);
  });

  it("creates, gets, lists and refuses duplicates", async () => {
    const { store } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    const q = await admin.createQueue("emails");
    expect(q.id).toBeGreaterThan(0);
    expect(q.queueName).toBe("emails");
    expect((await admin.getQueue("emails")).id).toBe(q.id);
    const dup = await thrown(() => store.queue("emails"));
    expect(dup.code).toBe("QUEUE_ALREADY_EXISTS");
    expect(dup.message).toContain("emails");
    // The same details on every backend (the PostgreSQL backend once said `queueName`).
    expect(dup.details).toEqual({ name: "emails" });
    const missing = await thrown(() => admin.getQueue("nope"));
    expect(missing.code).toBe("QUEUE_NOT_FOUND");
    expect(missing.message).toContain("'nope'");
    expect((await admin.listQueues()).map((x) => x.queueName)).toContain("emails");
    expect(await store.tables().queues().exists("emails")).toBe(true);
  });

  it("treats hostile names as plain data", async () => {
    const { store } = await openTestStore(backend);
    const names = [`it's`, `a"b`, "x'; DROP TABLE pgqrs_messages; --", "テストワークフロー_🎉", "back\\slash"];
    for (const name of names) {
      await store.queue(name);
      const producer = await store.producer(name);
      await producer.enqueue({ name });
    }
    const listed = (await pgqrs.admin(store).listQueues()).map((q) => q.queueName);
    for (const name of names) expect(listed).toContain(name);
    expect(await store.tables().messages().count()).toBe(names.length);
    expect(await errorCode(() => store.queue("nul\u0000byte"))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => store.queue(""))).toBe("VALIDATION_FAILED");
  });

  it("installs idempotently and verifies", async () => {
    const { store } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    await admin.install();
    await admin.install();
    await admin.verify();
  });

  it("refuses to delete a queue with live workers or messages, and deletes it after a purge", async () => {
    const { store } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    await store.queue("jobs");
    const producer = await store.producer("jobs");
    await producer.enqueue({ a: 1 });
    const withWorkers = await thrown(() => admin.deleteQueue("jobs"));
    expect(withWorkers.code).toBe("VALIDATION_FAILED");
    expect(withWorkers.message).toContain("worker");
    await producer.suspend();
    await producer.shutdown();
    const withMessages = await thrown(() => admin.deleteQueue("jobs"));
    expect(withMessages.code).toBe("VALIDATION_FAILED");
    expect(withMessages.message).toContain("references exist");
    await admin.purgeQueue("jobs");
    expect(await store.tables().messages().count({ state: "all" })).toBe(0);
    await admin.deleteQueue("jobs");
    expect(await errorCode(() => admin.getQueue("jobs"))).toBe("QUEUE_NOT_FOUND");
    expect(await errorCode(() => admin.deleteQueue("jobs"))).toBe("QUEUE_NOT_FOUND");
  });

  it("builders keep working after a purge or a delete and re-create of their queue", async () => {
    const { store } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    await store.queue("again");
    await pgqrs.enqueue().message({ n: 1 }).to("again").execute(store);
    expect(await pgqrs.dequeue().from("again").fetchOne(store)).not.toBeNull();
    await admin.purgeQueue("again");
    await pgqrs.enqueue().message({ n: 2 }).to("again").execute(store);
    const afterPurge = await pgqrs.dequeue().from("again").fetchOne(store);
    expect(afterPurge?.payload).toEqual({ n: 2 });
    await admin.purgeQueue("again");
    await admin.deleteQueue("again");
    await store.queue("again");
    expect(await pgqrs.enqueue().message({ n: 3 }).to("again").execute(store)).toHaveLength(1);
    expect((await pgqrs.dequeue().from("again").fetchOne(store))?.payload).toEqual({ n: 3 });
  });

  it("reports queue metrics", async () => {
    const { store, clock } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    await store.queue("m");
    const empty = await admin.queueMetrics("m");
    expect([empty.totalMessages, empty.pendingMessages, empty.leasedMessages, empty.archivedMessages]).toEqual([
      0, 0, 0, 0,
    ]);
    const producer = await store.producer("m");
    const consumer = await store.consumer("m");
    await producer.enqueueBatch([1, 2]);
    await producer.enqueueDelayed(3, 60);
    clock.advance(10_000);
    const [m] = await consumer.dequeue();
    let metrics = await admin.queueMetrics("m");
    expect(metrics.totalMessages).toBe(3);
    expect(metrics.activeMessages).toBe(3);
    expect(metrics.pendingMessages).toBe(1);
    expect(metrics.leasedMessages).toBe(1);
    expect(metrics.lockedMessages).toBe(1);
    expect(metrics.delayedMessages).toBe(1);
    expect(metrics.oldestPendingAgeMs).toBe(10_000);
    await consumer.archive(m!.id);
    metrics = await admin.queueMetrics("m");
    expect(metrics.archivedMessages).toBe(1);
    expect(metrics.totalMessages).toBe(3);
    expect(metrics.activeMessages).toBe(2);
    expect(metrics.pendingMessages).toBe(1);
    expect((await admin.allQueuesMetrics()).find((x) => x.name === "m")?.archivedMessages).toBe(1);
  });

  it("rejects every call on a closed store", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("c");
    const producer = await store.producer("c");
    await store.close();
    expect(await errorCode(() => store.queue("d"))).toBe("STORE_CLOSED");
    expect(await errorCode(() => producer.enqueue(1))).toBe("STORE_CLOSED");
    expect(await errorCode(() => pgqrs.admin(store).listQueues())).toBe("STORE_CLOSED");
    await store.close();
  });
});
