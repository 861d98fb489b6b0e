import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore } from "../support/stores.js";

describe.each(EVERY_BACKEND)("consuming on %s", (backend) => {
  let n = 0;
  const setup = async (opts: { maxReadCt?: number } = {}) => {
    const t = await openTestStore(backend, opts);
    n += 1;
    const queue = `q_${n}`;
    await t.store.queue(queue);
    const producer = await t.store.producer(queue);
    const consumer = await t.store.consumer(queue);
    return { ...t, queue, producer, consumer };
  };

  it("dequeues oldest first and leases for 30 s by default", async () => {
    const { producer, consumer, clock } = await setup();
    const a = await producer.enqueue({ i: 1 });
    clock.advance(1);
    const b = await producer.enqueue({ i: 2 });
    clock.advance(1);
    const c = await producer.enqueue({ i: 3 });
    const got = await consumer.dequeue({ batchSize: 2 });
    expect(got.map((m) => m.id)).toEqual([a.id, b.id]);
    expect(got[0]?.payload).toEqual({ i: 1 });
    expect(got[0]?.readCt).toBe(1);
    expect(got[0]?.consumerWorkerId).toBe(consumer.id);
    expect(got[0]?.vt.getTime()).toBe(clock.now().getTime() + 30_000);
    expect(got[0]?.dequeuedAt?.getTime()).toBe(clock.now().getTime());
    const rest = await consumer.dequeue({ batchSize: 5 });
    expect(rest.map((m) => m.id)).toEqual([c.id]);
    expect(await consumer.dequeue()).toEqual([]);
  });

  it("orders messages enqueued at the same instant by id", async () => {
    const { producer, consumer } = await setup();
    const batch = await producer.enqueueBatch([1, 2, 3, 4, 5]);
    const got = await consumer.dequeue({ batchSize: 5 });
    expect(got.map((m) => m.id)).toEqual(batch.map((m) => m.id));
    expect(got.map((m) => m.payload)).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps delayed messages invisible until due", async () => {
    const { producer, consumer, clock } = await setup();
    const m = await producer.enqueueDelayed("later", 10);
    expect(m.vt.getTime()).toBe(clock.now().getTime() + 10_000);
    expect(await consumer.dequeue()).toEqual([]);
    clock.advance(9_999);
    expect(await consumer.dequeue()).toEqual([]);
    clock.advance(1);
    expect((await consumer.dequeue()).map((x) => x.id)).toEqual([m.id]);
  });

  it("keeps millisecond precision in visibility times", async () => {
    const { producer, consumer, clock } = await setup();
    const m = await producer.enqueue("x", { delaySeconds: 0.25 });
    clock.advance(249);
    expect(await consumer.dequeue()).toEqual([]);
    clock.advance(1);
    expect((await consumer.dequeue()).map((x) => x.id)).toEqual([m.id]);
  });

  it("redelivers when a lease expires; the old owner's archive then returns false", async () => {
    const { store, queue, producer, consumer, clock } = await setup();
    const other = await store.consumer(queue);
    const m = await producer.enqueue({ job: 1 });
    const [first] = await consumer.dequeue({ vtSeconds: 5 });
    expect(first?.id).toBe(m.id);
    expect(await other.dequeue()).toEqual([]);
    clock.advance(5_000);
    const [again] = await other.dequeue({ vtSeconds: 5 });
    expect(again?.id).toBe(m.id);
    expect(again?.readCt).toBe(2);
    expect(again?.consumerWorkerId).toBe(other.id);
    expect(again?.dequeuedAt?.getTime()).toBe(first?.dequeuedAt?.getTime());
    expect(await consumer.archive(m.id)).toBe(false);
    expect(await consumer.delete(m.id)).toBe(false);
    expect(await consumer.extendVt(m.id, 10)).toBe(false);
    expect(await consumer.releaseMessages([m.id])).toBe(0);
    expect(await other.archive(m.id)).toBe(true);
    expect(await other.archive(m.id)).toBe(false);
  });

  it("stops delivering a message after maxReadCt leases", async () => {
    const { producer, consumer, clock } = await setup({ maxReadCt: 2 });
    const m = await producer.enqueue("poison");
    expect((await consumer.dequeue({ vtSeconds: 1 }))[0]?.readCt).toBe(1);
    clock.advance(1_000);
    expect((await consumer.dequeue({ vtSeconds: 1 }))[0]?.readCt).toBe(2);
    clock.advance(1_000);
    expect(await consumer.dequeue()).toEqual([]);
    expect((await producer.getMessageById(m.id))?.readCt).toBe(2);
  });

  it("checks ownership on every mutation and answers per id", async () => {
    const { store, queue, producer, consumer } = await setup();
    const other = await store.consumer(queue);
    const msgs = await producer.enqueueBatch(["a", "b", "c", "d"]);
    const mine = await consumer.dequeue({ batchSize: 2 });
    const theirs = await other.dequeue({ batchSize: 2 });
    const ids = [...mine, ...theirs].map((m) => m.id);
    expect(ids.sort()).toEqual(msgs.map((m) => m.id).sort());
    expect(await consumer.archiveMany(ids)).toEqual([true, true, false, false]);
    expect(await other.deleteMany(ids)).toEqual([false, false, true, true]);
    expect(await consumer.archiveMany([])).toEqual([]);
    expect(await consumer.archive(999_999)).toBe(false);
    expect(await store.tables().messages().count()).toBe(0);
    expect(await store.tables().messages().count({ state: "archived" })).toBe(2);
  });

  it("extends a lease from its current end", async () => {
    const { producer, consumer, clock } = await setup();
    await producer.enqueue("x");
    const [m] = await consumer.dequeue({ vtSeconds: 10 });
    expect(await consumer.extendVt(m!.id, 60)).toBe(true);
    const row = await producer.getMessageById(m!.id);
    expect(row?.vt.getTime()).toBe(clock.now().getTime() + 70_000);
    clock.advance(69_000);
    expect(await consumer.dequeue()).toEqual([]);
  });

  it("releases messages, now or later, keeping the read count", async () => {
    const { producer, consumer, clock } = await setup();
    const [a, b] = await producer.enqueueBatch(["a", "b"]);
    await consumer.dequeue({ batchSize: 2 });
    expect(await consumer.releaseMessages([a!.id])).toBe(1);
    expect(await consumer.releaseWithVisibility(b!.id, new Date(clock.now().getTime() + 5_000))).toBe(true);
    const [again] = await consumer.dequeue({ batchSize: 2 });
    expect(again?.id).toBe(a!.id);
    expect(again?.readCt).toBe(2);
    clock.advance(5_000);
    expect((await consumer.dequeue()).map((m) => m.id)).toEqual([b!.id]);
  });

  it("refuses to shut down a consumer that holds messages", async () => {
    const { producer, consumer } = await setup();
    await producer.enqueueBatch([1, 2]);
    const held = await consumer.dequeue({ batchSize: 2 });
    await consumer.suspend();
    const err = await errorCode(() => consumer.shutdown());
    expect(err).toBe("WORKER_HAS_PENDING_MESSAGES");
    expect(await consumer.status()).toBe("suspended");
    await consumer.releaseMessages(held.map((m) => m.id));
    await consumer.shutdown();
    expect(await consumer.status()).toBe("stopped");
  });

  it("rejects bad dequeue arguments", async () => {
    const { consumer } = await setup();
    expect(await errorCode(() => consumer.dequeue({ batchSize: -1 }))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => consumer.dequeue({ vtSeconds: Number.NaN }))).toBe("VALIDATION_FAILED");
  });

  describe("dequeue builder", () => {
    it("fetches with a registered consumer, a batch and a lease", async () => {
      const { store, queue, consumer, clock } = await setup();
      await pgqrs.enqueue().messages([1, 2, 3]).to(queue).execute(store);
      const one = await pgqrs.dequeue().worker(consumer).fetchOne(store);
      expect(one?.payload).toBe(1);
      const two = await pgqrs.dequeue().worker(consumer).batch(5).withVt(600).fetchAll(store);
      expect(two.map((m) => m.payload)).toEqual([2, 3]);
      expect(two[0]?.vt.getTime()).toBe(clock.now().getTime() + 600_000);
      expect(await pgqrs.dequeue().worker(consumer).fetchOne(store)).toBeNull();
    });

    it("uses the store's one ephemeral consumer for .from(queue)", async () => {
      const { store, queue } = await setup();
      await pgqrs.enqueue().messages(["a", "b"]).to(queue).execute(store);
      const a = await pgqrs.dequeue().from(queue).fetchOne(store);
      const b = await pgqrs.dequeue().from(queue).fetchOne(store);
      expect(a?.consumerWorkerId).toBe(b?.consumerWorkerId);
      expect(await errorCode(() => pgqrs.dequeue().fetchOne(store))).toBe("VALIDATION_FAILED");
    });

    it("handles a message: archive on success, release and rethrow on failure", async () => {
      const { store, queue, consumer } = await setup();
      await pgqrs.enqueue().messages(["ok", "bad"]).to(queue).execute(store);
      const seen: unknown[] = [];
      const handled = await pgqrs
        .dequeue()
        .worker(consumer)
        .handle(async (m) => {
          seen.push(m.payload);
        })
        .execute(store);
      expect(handled).toBe(1);
      const boom = new Error("boom");
      const failing = pgqrs
        .dequeue()
        .worker(consumer)
        .releaseDelay(0)
        .handle(async () => {
          throw boom;
        })
        .execute(store);
      await expect(failing).rejects.toBe(boom);
      expect(seen).toEqual(["ok"]);
      const metrics = await pgqrs.admin(store).queueMetrics(queue);
      expect(metrics.archivedMessages).toBe(1);
      expect(metrics.pendingMessages).toBe(1);
      const [retry] = await consumer.dequeue();
      expect(retry?.payload).toBe("bad");
      expect(retry?.readCt).toBe(2);
      // The failure is kept on the message.
      expect(retry?.lastError).toMatchObject({ name: "Error", message: "boom", attempt: 1 });
    });

    it("refuses a single-message handler with batch > 1 and until() in handler loops", async () => {
      const { store, consumer } = await setup();
      const h = pgqrs
        .dequeue()
        .worker(consumer)
        .batch(2)
        .handle(async () => undefined);
      await expect(h.execute(store)).rejects.toThrow(/single-message handlers require batch size = 1/);
      const u = pgqrs
        .dequeue()
        .worker(consumer)
        .until(10)
        .handle(async () => undefined);
      await expect(u.poll(store)).rejects.toThrow(/until\(\) is not supported with handler poll loops/);
    });

    it("handles a batch at a time", async () => {
      const { store, queue, consumer } = await setup();
      await pgqrs.enqueue().messages([1, 2, 3]).to(queue).execute(store);
      let size = 0;
      await pgqrs
        .dequeue()
        .worker(consumer)
        .batch(10)
        .handleBatch(async (ms) => {
          size = ms.length;
        })
        .execute(store);
      expect(size).toBe(3);
      expect((await pgqrs.admin(store).queueMetrics(queue)).archivedMessages).toBe(3);
    });

    it("fails fetches on a suspended consumer with SUSPENDED", async () => {
      const { store, consumer } = await setup();
      await consumer.suspend();
      const err = await pgqrs
        .dequeue()
        .worker(consumer)
        .fetchOne(store)
        .catch((e: unknown) => e);
      expect((err as pgqrs.PgqrsError).code).toBe("SUSPENDED");
      expect((err as pgqrs.PgqrsError).message).toContain("worker suspended");
    });
  });
});
