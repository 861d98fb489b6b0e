/**
 * `for await (const m of consumer.messages())` (pgqrs's `consume_iter`, issue 14 item 16): the next iteration
 * archives the message before it, leaving the loop (break or a throwing body) releases it, and an abort or an
 * interrupt ends a waiting iteration.
 */
import { describe, expect, it } from "vitest";
import type { QueueMessage } from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore } from "../support/stores.js";

/** Resolves once the consumer's row says `status` (the iterator sets it before it claims or waits). */
async function statusReached(consumer: { status(): Promise<string> }, status: string): Promise<void> {
  while ((await consumer.status()) !== status) await new Promise((r) => setImmediate(r));
}

describe.each(EVERY_BACKEND)("consumer.messages() on %s", (backend) => {
  const setup = async (queue: string, pollIntervalMs = 60_000) => {
    const t = await openTestStore(backend, { pollIntervalMs });
    await t.store.queue(queue);
    const producer = await t.store.producer(queue);
    const consumer = await t.store.consumer(queue);
    const message = (id: number) => t.store.tables().messages().get(id);
    return { ...t, producer, consumer, message };
  };

  it("archives each message when the loop asks for the next one; an abort in the body ends the loop", async () => {
    const { producer, consumer, message } = await setup("iter_all");
    const sent = await producer.enqueueBatch(["a", "b", "c", "d", "e"]);
    const controller = new AbortController();
    const seen: unknown[] = [];
    for await (const m of consumer.messages({ signal: controller.signal })) {
      seen.push(m.payload);
      // While the body runs, the message before this one is already archived, this one not yet.
      if (seen.length > 1) expect((await message(sent[seen.length - 2]?.id as number))?.archivedAt).not.toBeNull();
      expect((await message(m.id))?.archivedAt).toBeNull();
      if (seen.length === 5) controller.abort();
    }
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
    for (const m of sent) expect((await message(m.id))?.archivedAt).not.toBeNull();
    expect(await consumer.heldMessageCount()).toBe(0);
    expect(await consumer.status()).toBe("ready");
  });

  it("claims in batches with batchSize and still archives one message per iteration", async () => {
    const { producer, consumer, message } = await setup("iter_batch");
    const sent = await producer.enqueueBatch([1, 2, 3, 4]);
    const controller = new AbortController();
    const seen: unknown[] = [];
    for await (const m of consumer.messages<number>({ batchSize: 3, signal: controller.signal })) {
      seen.push(m.payload);
      if (seen.length === 4) controller.abort();
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    for (const m of sent) expect((await message(m.id))?.archivedAt).not.toBeNull();
  });

  it("releases the current message when the body throws, and the error propagates", async () => {
    const { store, producer, consumer, message } = await setup("iter_throw");
    const [sent] = await producer.enqueueBatch(["x"]);
    const boom = new Error("boom");
    let caught: unknown;
    try {
      for await (const _m of consumer.messages()) throw boom;
    } catch (err) {
      caught = err;
    }
    expect(caught).toBe(boom);
    const row = await message(sent?.id as number);
    expect(row?.consumerWorkerId).toBeNull();
    expect(row?.archivedAt).toBeNull();
    expect(await consumer.heldMessageCount()).toBe(0);
    // Claimable again at once, by anyone.
    const other = await store.consumer("iter_throw");
    const [again] = await other.dequeue();
    expect(again?.id).toBe(sent?.id);
    expect(again?.readCt).toBe(2);
  });

  it("stops on break and leaves nothing leased: the current message and the claimed, unyielded ones", async () => {
    const { producer, consumer, message } = await setup("iter_break");
    const sent = await producer.enqueueBatch(["p", "q", "r"]);
    let first: QueueMessage | undefined;
    for await (const m of consumer.messages({ batchSize: 3 })) {
      first = m;
      break;
    }
    expect(first?.payload).toBe("p");
    expect(await consumer.heldMessageCount()).toBe(0);
    const rows = await Promise.all(sent.map((m) => message(m.id)));
    expect(rows.map((r) => r?.archivedAt ?? null)).toEqual([null, null, null]);
    // The yielded message used a delivery; the two never yielded did not.
    expect(rows.map((r) => r?.readCt)).toEqual([1, 0, 0]);
    const again = await consumer.dequeue({ batchSize: 3 });
    expect(again.map((m) => m.payload)).toEqual(["p", "q", "r"]);
    await consumer.archiveMany(again.map((m) => m.id));
    expect(await consumer.status()).toBe("ready");
  });

  it("keeps a message done on break when the body archived it first", async () => {
    const { producer, consumer, message } = await setup("iter_break_archived");
    const [sent] = await producer.enqueueBatch(["done"]);
    for await (const m of consumer.messages()) {
      await consumer.archive(m.id);
      break;
    }
    expect((await message(sent?.id as number))?.archivedAt).not.toBeNull();
  });

  it("ends a waiting iteration at once when the signal aborts (60 s poll interval)", async () => {
    const { consumer } = await setup("iter_abort");
    const controller = new AbortController();
    const it = consumer.messages({ signal: controller.signal });
    const pending = it.next();
    await statusReached(consumer, "polling");
    controller.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await consumer.status()).toBe("ready");
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it("wakes a waiting iteration on an enqueue through the store, not at its 60 s poll interval", async () => {
    const { producer, consumer } = await setup("iter_wake");
    const it = consumer.messages();
    const pending = it.next();
    await statusReached(consumer, "polling");
    await producer.enqueue("late");
    const got = await pending;
    expect(got.done === false && got.value.payload).toBe("late");
    await it.return?.();
    expect(await consumer.heldMessageCount()).toBe(0);
  });

  it("ends when the worker is interrupted, leaving it suspended", async () => {
    const { consumer } = await setup("iter_interrupt");
    const it = consumer.messages();
    const pending = it.next();
    await statusReached(consumer, "polling");
    await consumer.interrupt();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await consumer.status()).toBe("suspended");
  });

  it("refuses bad options before claiming anything", async () => {
    const { producer, consumer, message } = await setup("iter_invalid");
    const [sent] = await producer.enqueueBatch(["kept"]);
    expect(await errorCode(async () => consumer.messages({ batchSize: 0 }))).toBe("VALIDATION_FAILED");
    expect(await errorCode(async () => consumer.messages({ batchSize: 1.5 }))).toBe("VALIDATION_FAILED");
    expect(await errorCode(async () => consumer.messages({ pollIntervalMs: Number.NaN }))).toBe("VALIDATION_FAILED");
    // Past the longest Node timer (2^31 - 1 ms) a wait would fire at once: refused, as are batches past 10,000.
    expect(await errorCode(async () => consumer.messages({ pollIntervalMs: 2 ** 31 }))).toBe("VALIDATION_FAILED");
    expect(await errorCode(async () => consumer.messages({ batchSize: 10_001 }))).toBe("VALIDATION_FAILED");
    expect((await message(sent?.id as number))?.readCt).toBe(0);
  });
});
