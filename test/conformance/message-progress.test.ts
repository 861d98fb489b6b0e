/**
 * Message progress (BullMQ's `job.updateProgress`): a consumer holding a message reports a JSON value; every read
 * returns it (admin, listings, the claim of a redelivery); the owner fence keeps a consumer that lost its lease from
 * overwriting the new holder's; bad input writes nothing; the archive keeps it.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

describe.each(EVERY_BACKEND)("message progress on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const queue = `progress_${n}`;
    await t.store.queue(queue);
    const producer = await t.store.producer(queue);
    return { ...t, queue, producer };
  };
  const progressOf = async (store: pgqrs.Store, id: number) => (await pgqrs.admin(store).getMessage(id)).progress;

  it("is null until reported, then read back by admin reads and listings", async () => {
    const { store, queue, producer } = await setup();
    const m = await producer.enqueue({ job: 1 });
    expect(m.progress).toBeNull();
    const consumer = await store.consumer(queue);
    const [held] = await consumer.dequeue();
    expect(held?.progress).toBeNull();
    expect(await progressOf(store, m.id)).toBeNull();

    expect(await consumer.updateProgress(m.id, { done: 40, of: 100, cursor: "k-40" })).toBe(true);
    expect(await progressOf(store, m.id)).toEqual({ done: 40, of: 100, cursor: "k-40" });
    const listed = await store.tables().messages().list();
    expect(listed.find((x) => x.id === m.id)?.progress).toEqual({ done: 40, of: 100, cursor: "k-40" });

    // Any JSON value replaces the last one; null clears it.
    expect(await consumer.updateProgress(m.id, 75)).toBe(true);
    expect(await progressOf(store, m.id)).toBe(75);
    expect(await consumer.updateProgress(m.id, "almost")).toBe(true);
    expect(await progressOf(store, m.id)).toBe("almost");
    expect(await consumer.updateProgress(m.id, null)).toBe(true);
    expect(await progressOf(store, m.id)).toBeNull();
  });

  it("comes back with the redelivery after the lease expired, and the old holder is fenced", async () => {
    const { store, queue, producer, clock } = await setup();
    const m = await producer.enqueue({ job: 2 });
    const first = await store.consumer(queue);
    await first.dequeue({ vtSeconds: 10 });
    expect(await first.updateProgress(m.id, { step: 3 })).toBe(true);

    clock.advance(10_001);
    const second = await store.consumer(queue);
    const [again] = await second.dequeue({ vtSeconds: 10 });
    expect(again?.id).toBe(m.id);
    expect(again?.readCt).toBe(2);
    expect(again?.progress).toEqual({ step: 3 });

    // The first consumer lost the lease: nothing written, the new holder's progress stays.
    expect(await first.updateProgress(m.id, { step: 1 })).toBe(false);
    expect(await progressOf(store, m.id)).toEqual({ step: 3 });
    expect(await second.updateProgress(m.id, { step: 4 })).toBe(true);
    expect(await first.updateProgress(m.id, { step: 0 })).toBe(false);
    expect(await progressOf(store, m.id)).toEqual({ step: 4 });

    // The poll loop's claim (archive and claim in one round trip) returns it too.
    clock.advance(10_001);
    const other = await producer.enqueue({ job: 3 });
    const third = await store.consumer(queue);
    const [held] = await third.dequeue({ batchSize: 1 });
    expect(held?.id).toBe(m.id);
    expect(held?.progress).toEqual({ step: 4 });
    const { archived, messages } = await third.archiveAndDequeue([m.id], { batchSize: 1 });
    expect(archived).toEqual([true]);
    expect(messages.map((x) => [x.id, x.progress])).toEqual([[other.id, null]]);
  });

  it("writes nothing for a message it does not hold, an archived one or an unknown id", async () => {
    const { store, queue, producer } = await setup();
    const m = await producer.enqueue("x");
    const consumer = await store.consumer(queue);
    expect(await consumer.updateProgress(m.id, 1)).toBe(false); // not claimed yet
    await consumer.dequeue();
    expect(await consumer.updateProgress(m.id, 50)).toBe(true);
    expect(await consumer.archive(m.id)).toBe(true);
    // The archive keeps the last progress; an archived message takes no more.
    expect(await progressOf(store, m.id)).toBe(50);
    expect(await consumer.updateProgress(m.id, 100)).toBe(false);
    expect(await progressOf(store, m.id)).toBe(50);
    expect(await consumer.updateProgress(m.id + 1_000, 1)).toBe(false);
  });

  it("refuses what is not JSON or too large with a typed error, writing nothing", async () => {
    const { store, queue, producer } = await setup();
    const m = await producer.enqueue("x");
    const consumer = await store.consumer(queue);
    await consumer.dequeue();
    expect(await consumer.updateProgress(m.id, { ok: 1 })).toBe(true);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [() => 1, 10n, undefined, Number.NaN, new Map(), cyclic, { s: "a\u0000b" }]) {
      const err = await thrown(() => consumer.updateProgress(m.id, bad));
      expect(err).toBeInstanceOf(pgqrs.PgqrsError);
      expect(err.code).toBe("VALIDATION_FAILED");
    }
    const big = await thrown(() => consumer.updateProgress(m.id, "x".repeat(1_048_577)));
    expect(big.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await thrown(() => consumer.updateProgress(0, 1))).code).toBe("VALIDATION_FAILED");
    expect(await progressOf(store, m.id)).toEqual({ ok: 1 });
  });

  it("is reported by a handler through its context and read by the handler of the redelivery", async () => {
    const { store, queue, producer, clock } = await setup();
    const m = await producer.enqueue({ items: 3 });
    const consumer = await store.consumer(queue);
    const seen: unknown[] = [];
    const failOnce = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async (message, { updateProgress }) => {
        seen.push(message.progress);
        const start = (message.progress as { next?: number } | null)?.next ?? 0;
        for (let i = start; i < 3; i++) {
          if (i === 2 && start === 0) throw new Error("crash at item 2");
          expect(await updateProgress({ next: i + 1 })).toBe(true);
        }
      });
    await expect(failOnce.execute(store)).rejects.toThrow("crash at item 2");
    expect(await progressOf(store, m.id)).toEqual({ next: 2 });
    clock.advance(3_600_000); // past the retry backoff of the failed delivery
    expect(await failOnce.execute(store)).toBe(1);
    expect(seen).toEqual([null, { next: 2 }]);
    const done = await pgqrs.admin(store).getMessage(m.id);
    expect(done.archivedAt).not.toBeNull();
    expect(done.progress).toEqual({ next: 3 });
  });

  it("is reported by a batch handler per message, with the consumer in its context", async () => {
    const { store, queue, producer } = await setup();
    const [a, b] = await producer.enqueueBatch(["a", "b"]);
    const consumer = await store.consumer(queue);
    const handled = await pgqrs
      .dequeue()
      .worker(consumer)
      .batch(2)
      .handleBatch(async (messages, context) => {
        expect(context.consumer.id).toBe(consumer.id);
        for (const [i, message] of messages.entries()) await context.updateProgress(message.id, { index: i });
      })
      .execute(store);
    expect(handled).toBe(2);
    expect(await progressOf(store, a!.id)).toEqual({ index: 0 });
    expect(await progressOf(store, b!.id)).toEqual({ index: 1 });
  });

  it("is reported by a typed queue's worker handler in its poll loop", async () => {
    const { store } = await setup();
    const imports = pgqrs.defineQueue<{ rows: number }>(`progress_typed_${n}`);
    const m = await imports.enqueue(store, { rows: 2 });
    const reported: boolean[] = [];
    const worker = await imports.worker(store, async (message, { updateProgress, consumer }) => {
      for (let row = 1; row <= message.payload.rows; row++) reported.push(await updateProgress({ row }));
      reported.push(await consumer.updateProgress(message.id, { row: "done" }));
    });
    // Poll for the handler's end with a generous bound (no fixed sleep).
    for (let i = 0; i < 2_000 && (await pgqrs.admin(store).getMessage(m.id)).archivedAt === null; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await worker.stop();
    expect(reported).toEqual([true, true, true]);
    const done = await pgqrs.admin(store).getMessage(m.id);
    expect(done.archivedAt).not.toBeNull();
    expect(done.progress).toEqual({ row: "done" });
  });

  it("comes back from the claim of a queue with a concurrency limit", async () => {
    const { store } = await setup();
    await pgqrs.admin(store).createQueue("progress_limited", { concurrencyLimit: 1 });
    const limitedProducer = await store.producer("progress_limited");
    const m = await limitedProducer.enqueue("x");
    const first = await store.consumer("progress_limited");
    await first.dequeue({ vtSeconds: 1 });
    expect(await first.updateProgress(m.id, [1, 2])).toBe(true);
    expect(await first.releaseMessages([m.id])).toBe(1);
    const [again] = await (await store.consumer("progress_limited")).dequeue();
    expect(again?.progress).toEqual([1, 2]);
  });
});
