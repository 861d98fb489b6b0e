/**
 * Engine behaviour added for speed, checked for correctness only (no timing assertions): poll loops that
 * acknowledge and claim in one round trip still handle every message exactly once and stop cleanly; idle loops
 * are woken by their own store's enqueues (both backends) and by other processes' enqueue notifications
 * (Postgres) instead of waiting out their poll interval; a workflow run's outcome and its message's archive are
 * written together.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { runPollLoop } from "../../src/queue/poll-loop.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { gate, nextTurn, openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("fast poll loops on %s", (backend) => {
  it.each([
    { concurrency: 1, batch: 1 },
    { concurrency: 4, batch: 1 },
    { concurrency: 3, batch: 7 },
  ])("drain 120 messages exactly once at concurrency $concurrency, batch $batch", async ({ concurrency, batch }) => {
    const { store } = await openTestStore(backend, { pollIntervalMs: 20 });
    const queue = `drain_${concurrency}_${batch}`;
    await store.queue(queue);
    const producer = await store.producer(queue);
    await producer.enqueueBatch(Array.from({ length: 120 }, (_, i) => ({ i })));
    const seen: number[] = [];
    const stop = new AbortController();
    const consumer = await store.consumer(queue);
    const builder = pgqrs.dequeue().worker(consumer).batch(batch).concurrency(concurrency).signal(stop.signal);
    const loop = (
      batch === 1
        ? builder.handle(async (m) => {
            seen.push((m.payload as { i: number }).i);
          })
        : builder.handleBatch(async (ms) => {
            for (const m of ms) seen.push((m.payload as { i: number }).i);
          })
    ).poll(store);
    await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(120);
    stop.abort();
    expect(await loop).toBe("aborted");
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    const metrics = await pgqrs.admin(store).queueMetrics(queue);
    expect(metrics).toMatchObject({ pendingMessages: 0, lockedMessages: 0, archivedMessages: 120 });
    expect(await consumer.heldMessageCount()).toBe(0);
  });

  it("a failing handler in a batched-acknowledgement loop releases its message and the loop goes on", async () => {
    const { store } = await openTestStore(backend, { pollIntervalMs: 20 });
    await store.queue("flaky");
    const producer = await store.producer("flaky");
    await producer.enqueueBatch([1, 2, 3, 4, 5]);
    const done: number[] = [];
    let failedOnce = false;
    const stop = new AbortController();
    const consumer = await store.consumer("flaky");
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      // The store's clock stands still here: retry at once instead of after the default backoff.
      .retry({ baseMs: 0 })
      .onError(() => undefined)
      .signal(stop.signal)
      .handle(async (m) => {
        if (m.payload === 3 && !failedOnce) {
          failedOnce = true;
          throw new Error("boom");
        }
        done.push(m.payload as number);
      })
      .poll(store);
    await expect.poll(() => done.length, { timeout: 20_000 }).toBe(5);
    stop.abort();
    await loop;
    expect([...done].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    { concurrency: 1, batch: 1 },
    { concurrency: 8, batch: 5 },
  ])(
    "an interrupt ends a busy loop (concurrency $concurrency, batch $batch) with all handled work archived",
    async ({ concurrency, batch }) => {
      const { store } = await openTestStore(backend, { pollIntervalMs: 60_000 });
      await store.queue("busy");
      const producer = await store.producer("busy");
      await producer.enqueueBatch(Array.from({ length: 2_000 }, (_, i) => i));
      const consumer = await store.consumer("busy");
      let handled = 0;
      const loop = pgqrs
        .dequeue()
        .worker(consumer)
        .batch(batch)
        .concurrency(concurrency)
        .handleBatch(async (ms) => {
          handled += ms.length;
        })
        .poll(store);
      await expect.poll(() => handled, { timeout: 20_000 }).toBeGreaterThan(5);
      await consumer.interrupt();
      expect(await loop).toBe("interrupted");
      expect(await consumer.status()).toBe("suspended");
      // Acknowledgements are batched by the loop; the ones pending at the interrupt are written before it returns.
      expect(await consumer.heldMessageCount()).toBe(0);
      const metrics = await pgqrs.admin(store).queueMetrics("busy");
      expect(metrics.archivedMessages).toBe(handled);
      expect(metrics.pendingMessages).toBe(2_000 - handled);
    },
  );

  it("a workflow run's outcome and its message's archive are recorded together", async () => {
    const { store } = await openTestStore(backend, { pollIntervalMs: 20 });
    const wf = pgqrs.defineWorkflow({ name: "perf_wf" }, async (run, input: number) => {
      const a = await pgqrs.workflowStep(run, "a", async () => input + 1);
      return pgqrs.workflowStep(run, "b", async () => a * 2);
    });
    await pgqrs.workflow().name(wf).create(store);
    const triggers = await Promise.all([1, 2, 3].map((n) => pgqrs.workflow().name(wf).trigger(n).execute(store)));
    const consumer = await store.consumer("perf_wf");
    const worker = pgqrs.workflow().name(wf).consumer(consumer).poll(store);
    const results = await Promise.all(
      triggers.map((t) => pgqrs.run().message(t).store(store).result({ timeoutMs: 20_000 })),
    );
    expect(results).toEqual([4, 6, 8]);
    await expect
      .poll(async () => (await pgqrs.admin(store).queueMetrics("perf_wf")).archivedMessages, { timeout: 5_000 })
      .toBe(3);
    await consumer.interrupt();
    await worker;
    expect(await consumer.heldMessageCount()).toBe(0);
  });
});

/** `store` runs on `clock`, which the test never advances: the loop's 60 s poll can never come. */
async function pickedUpLongBeforeThePoll(
  store: pgqrs.Store,
  clock: pgqrs.VirtualClock,
  queue: string,
  enqueue: () => Promise<unknown>,
): Promise<void> {
  const consumer = await store.consumer(queue);
  const got: unknown[] = [];
  const loop = pgqrs
    .dequeue()
    .worker(consumer)
    .handle(async (m) => {
      got.push(m.payload);
    })
    .poll(store);
  await expect.poll(() => consumer.status(), { timeout: 15_000 }).toBe("polling");
  await untilTimerAt(clock, 60_000); // idle: the loop has polled once and sleeps for 60 s
  await enqueue();
  await expect.poll(() => got, { timeout: 15_000 }).toEqual(["hello"]);
  await consumer.interrupt();
  expect(await loop).toBe("interrupted");
}

describe.each(EVERY_BACKEND)("enqueue wake-up on %s", (backend) => {
  it("a loop with a 60 s poll interval picks up a message enqueued through its store long before its next poll", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 60_000 });
    await store.queue("wake");
    const producer = await store.producer("wake");
    await pickedUpLongBeforeThePoll(store, clock, "wake", () => producer.enqueue("hello"));
  });
});

describe.each(EVERY_BACKEND)("claims after a short claim on %s", (backend) => {
  it("a freed slot does not claim again until an enqueue hint arrives or the poll interval passes", async () => {
    const { store } = await openVirtualStore(backend, { pollIntervalMs: 60_000 });
    await store.queue("short");
    const producer = await store.producer("short");
    await producer.enqueueBatch(["a", "b"]);
    const consumer = await store.consumer("short");
    let claims = 0;
    const seen: unknown[] = [];
    const running = gate();
    const stop = new AbortController();
    const loop = runPollLoop({
      consumer,
      batchSize: 1,
      concurrency: 4,
      vtSeconds: 30,
      pollIntervalMs: 60_000,
      signal: stop.signal,
      now: () => consumer.now(),
      claim: async (limit) => {
        claims += 1;
        return consumer.dequeue({ batchSize: limit, vtSeconds: 30 });
      },
      process: async (ms) => {
        seen.push(...ms.map((m) => m.payload));
        await running.wait;
        return ms.map(() => ({ action: "keep" }) as const);
      },
    });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(2);
    // Both units finish: their slots are free, the queue is empty. With time standing still, the loop decides what to
    // do next without a round trip (no status check or maintenance is due), so within the same turn.
    running.open();
    await nextTurn();
    expect(claims).toBe(1);
    await producer.enqueue("c"); // this store's enqueue is a hint
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual(["a", "b", "c"]);
    expect(claims).toBe(2);
    stop.abort();
    expect(await loop).toBe("aborted");
  });
});

describe("enqueue wake-up on postgres across processes", () => {
  it("a loop with a 60 s poll interval picks up a message another store enqueued, on the database's notification", async () => {
    const { store, dsn, schema, clock } = await openVirtualStore("postgres", { pollIntervalMs: 60_000 });
    expect(store.context.backend.capabilities.listenNotify).toBe(true);
    await store.queue("wake");
    const other = await pgqrs.connect(dsn, { schema, clock });
    try {
      const producer = await other.producer("wake");
      await pickedUpLongBeforeThePoll(store, clock, "wake", () => producer.enqueue("hello"));
    } finally {
      await other.close();
    }
  });
});
