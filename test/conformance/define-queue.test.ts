/**
 * Typed queues at run time (issue 19, item 1), on both backends: `defineQueue<T>(name, settings)` creates its queue
 * with its settings on first use through a store (an existing queue keeps its own), `enqueue` / `enqueueBatch`
 * return the stored messages, `consumer` claims them, `worker` serves a handler with `concurrency` handlers in
 * flight until its signal aborts or `stop()`, and bad input is a VALIDATION_FAILED (or QUEUE_NOT_FOUND with
 * `create: false`) that writes nothing. Loops run in virtual time; handlers are held open by the test.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";
import { gate, openVirtualStore } from "../support/virtual-time.js";

interface Email {
  to: string;
  subject?: string;
  attempt: number;
}

describe.each(EVERY_BACKEND)("typed queues on %s", (backend) => {
  let n = 0;
  const queueName = () => {
    n += 1;
    return `typed_${n}`;
  };
  const counts = async (store: pgqrs.Store) => ({
    queues: (await pgqrs.admin(store).listQueues()).length,
    workers: (await store.tables().workers().list()).length,
    messages: await store.tables().messages().count(),
  });

  it("creates the queue with its settings on first use, then enqueues, batches and claims typed payloads", async () => {
    const { store } = await openTestStore(backend);
    const name = queueName();
    const emails = pgqrs.defineQueue<Email>(name, { retry: { maxAttempts: 3 }, concurrencyLimit: 7 });
    const first = await emails.enqueue(store, { to: "a@example.com", attempt: 1 }, { priority: 5 });
    expect(first.payload).toEqual({ to: "a@example.com", attempt: 1 });
    expect(first.priority).toBe(5);
    const queue = await store.getQueue(name);
    expect(queue.concurrencyLimit).toBe(7);
    expect(queue.retry).toMatchObject({ maxAttempts: 3 });
    const batch = await emails.enqueueBatch(store, [
      { to: "b@example.com", subject: "hi", attempt: 1 },
      { to: "c@example.com", attempt: 2 },
    ]);
    expect(batch.map((m) => m.payload.to)).toEqual(["b@example.com", "c@example.com"]);
    expect(await emails.enqueueBatch(store, [])).toEqual([]);

    const consumer = await emails.consumer(store, { name: "mailer-1" });
    expect(consumer.name).toBe("mailer-1");
    const claimed = await consumer.dequeue({ batchSize: 10 });
    expect(claimed.map((m) => m.payload.to)).toEqual(["a@example.com", "b@example.com", "c@example.com"]);
    expect(claimed[1]?.payload.subject).toBe("hi");
    expect(await consumer.archiveMany(claimed.map((m) => m.id))).toEqual([true, true, true]);
    // One queue, created once, whatever the number of calls.
    expect((await pgqrs.admin(store).listQueues()).filter((q) => q.queueName === name)).toHaveLength(1);
  });

  it("leaves an existing queue's settings as they are, and creates nothing with create: false", async () => {
    const { store } = await openTestStore(backend);
    const name = queueName();
    await store.queue(name, { concurrencyLimit: 2 });
    const existing = pgqrs.defineQueue<Email>(name, { concurrencyLimit: 9 });
    await existing.enqueue(store, { to: "a@example.com", attempt: 1 });
    expect((await store.getQueue(name)).concurrencyLimit).toBe(2);

    const missing = pgqrs.defineQueue<Email>(queueName(), { create: false });
    const before = await counts(store);
    const err = await thrown(() => missing.enqueue(store, { to: "a@example.com", attempt: 1 }));
    expect(err.code).toBe("QUEUE_NOT_FOUND");
    expect((await thrown(() => missing.consumer(store))).code).toBe("QUEUE_NOT_FOUND");
    expect(await counts(store)).toEqual(before);
    await store.queue(missing.name);
    expect((await missing.enqueue(store, { to: "b@example.com", attempt: 1 })).payload.to).toBe("b@example.com");
  });

  it("creates the queue again when it was deleted since", async () => {
    const { store } = await openTestStore(backend);
    const name = queueName();
    const emails = pgqrs.defineQueue<Email>(name, { concurrencyLimit: 3 });
    const first = await emails.consumer(store);
    await first.stop();
    await pgqrs.admin(store).deleteQueueByName(name);
    const again = await emails.consumer(store);
    const queue = await store.getQueue(name);
    expect(again.queue.id).toBe(queue.id);
    expect(queue.id).not.toBe(first.queue.id);
    expect(queue.concurrencyLimit).toBe(3);
  });

  it("serves a handler with `concurrency` handlers in flight until the signal aborts; the worker ends stopped", async () => {
    const { store } = await openVirtualStore(backend);
    const emails = pgqrs.defineQueue<Email>(queueName());
    const sent = await emails.enqueueBatch(
      store,
      [1, 2, 3].map((attempt) => ({ to: `${attempt}@example.com`, attempt })),
    );
    const running = new Map<string, () => void>();
    const handled: string[] = [];
    let most = 0;
    const controller = new AbortController();
    const worker = await emails.worker(
      store,
      async (m) => {
        const g = gate();
        running.set(m.payload.to, g.open);
        most = Math.max(most, running.size);
        await g.wait;
        running.delete(m.payload.to);
        handled.push(m.payload.to);
      },
      { concurrency: 2, signal: controller.signal, prefetch: 0, name: "mailer" },
    );
    expect(worker.consumer.name).toBe("mailer");
    await expect.poll(() => running.size, { timeout: 15_000 }).toBe(2);
    running.get("1@example.com")?.();
    await expect
      .poll(() => [...running.keys()].sort(), { timeout: 15_000 })
      .toEqual(["2@example.com", "3@example.com"]);
    expect(most).toBe(2);
    controller.abort();
    for (const open of running.values()) open();
    expect(await worker.done).toBe("aborted");
    expect(handled.sort()).toEqual(["1@example.com", "2@example.com", "3@example.com"]);
    for (const m of sent) expect((await store.tables().messages().get(m.id))?.archivedAt).not.toBeNull();
    expect(await worker.consumer.status()).toBe("stopped");
  });

  it("stop() ends the loop after the handler in flight, releases nothing it finished, and leaves the worker stopped", async () => {
    const { store } = await openVirtualStore(backend);
    const emails = pgqrs.defineQueue<Email>(queueName());
    const [m] = await emails.enqueueBatch(store, [{ to: "a@example.com", attempt: 1 }]);
    const g = gate();
    let started = false;
    const worker = await emails.worker(store, async () => {
      started = true;
      await g.wait;
    });
    await expect.poll(() => started, { timeout: 15_000 }).toBe(true);
    const stopping = worker.stop({ timeoutMs: 60_000 });
    g.open();
    expect(await stopping).toBe("aborted");
    expect((await store.tables().messages().get(m!.id))?.archivedAt).not.toBeNull();
    expect(await worker.consumer.status()).toBe("stopped");
  });

  it("refuses bad input with VALIDATION_FAILED naming it, writing nothing (not even the queue)", async () => {
    const { store } = await openTestStore(backend);
    expect(() => pgqrs.defineQueue("")).toThrow(/queue name must be a non-empty string/);
    const badSetting = (() => {
      try {
        pgqrs.defineQueue("x", { concurrencyLimit: 0 });
      } catch (err) {
        return err as pgqrs.PgqrsError;
      }
    })();
    expect(badSetting?.code).toBe("VALIDATION_FAILED");
    expect(badSetting?.message).toContain("concurrencyLimit");
    expect(() => pgqrs.defineQueue("x", { create: "yes" as unknown as boolean })).toThrow(/create must be a boolean/);

    const emails = pgqrs.defineQueue<Email>(queueName());
    const before = await counts(store);
    // A Date gets past the types only by a cast; at run time it is refused, naming where it is.
    const date = await thrown(() =>
      emails.enqueue(store, { to: "a@example.com", attempt: 1, sentAt: new Date() } as unknown as Email),
    );
    expect(date.code).toBe("VALIDATION_FAILED");
    expect(date.message).toContain("a Date at $.sentAt is not JSON data");
    const inBatch = await thrown(() =>
      emails.enqueueBatch(store, [{ to: "a", attempt: 1 }, { to: new Date() } as unknown as Email]),
    );
    expect(inBatch.message).toContain("Payload at index 1: a Date at $.to");
    const option = await thrown(() => emails.enqueue(store, { to: "a", attempt: 1 }, { priority: 1.5 }));
    expect(option.code).toBe("VALIDATION_FAILED");
    expect(option.message).toContain("priority");
    const fn = await thrown(() => emails.enqueue(store, { to: "a", attempt: () => 1 } as unknown as Email));
    expect(fn.code).toBe("VALIDATION_FAILED");
    const worker = async (options: pgqrs.QueueWorkerOptions, handler: unknown = () => undefined) =>
      thrown(() => emails.worker(store, handler as pgqrs.QueueHandler<Email>, options));
    expect((await worker({ concurrency: 0 })).message).toContain("concurrency");
    expect((await worker({ vtSeconds: -1 })).code).toBe("VALIDATION_FAILED");
    expect((await worker({ concurrence: 2 } as pgqrs.QueueWorkerOptions)).message).toContain(
      "unknown worker option 'concurrence'",
    );
    expect((await worker({}, "not a function")).message).toContain("handler must be a function");
    expect(await counts(store)).toEqual(before);
    expect((await pgqrs.admin(store).listQueues()).some((q) => q.queueName === emails.name)).toBe(false);
  });
});
