/**
 * Queue controls, one call to stop (issue 17 item 10), in virtual time: `await worker.stop({ timeoutMs })` stops
 * claiming, lets handlers in flight finish until the timeout, releases what is left and leaves the worker
 * `stopped`; a loop ended by its AbortSignal leaves its worker `stopped` (not `ready`, which would make a zombie).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { thrown } from "../support/stores.js";
import { gate, nextTurn, openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

const POLL = 100;

async function message(store: pgqrs.Store, id: number): Promise<pgqrs.QueueMessage> {
  const m = await store.tables().messages().get(id);
  if (m === null || m === undefined) throw new Error(`message ${id} is gone`);
  return m;
}

/** A promise's state without waiting for it. */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  const promise = p.finally(() => {
    settled = true;
  });
  return { settled: () => settled, promise };
}

describe.each(EVERY_BACKEND)("stopping workers on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openVirtualStore(backend);
    n += 1;
    const queue = `stop_${n}`;
    await pgqrs.admin(t.store).createQueue(queue);
    return { ...t, queue, producer: await t.store.producer(queue), consumer: await t.store.consumer(queue) };
  };

  /** A loop of `consumer` whose handlers each wait for their own gate; `running` maps payloads to their gates. */
  const gatedLoop = (store: pgqrs.Store, consumer: pgqrs.Consumer, signal?: AbortSignal) => {
    const running = new Map<unknown, () => void>();
    const finished: unknown[] = [];
    let builder = pgqrs.dequeue().worker(consumer).concurrency(2).prefetch(0).pollInterval(POLL).withVt(600);
    if (signal !== undefined) builder = builder.signal(signal);
    const done = builder
      .handle(async (m) => {
        const g = gate();
        running.set(m.payload, g.open);
        await g.wait;
        running.delete(m.payload);
        finished.push(m.payload);
      })
      .poll(store);
    return { running, finished, done: track(done) };
  };

  it("lets handlers in flight finish within the timeout, claims nothing more, ends the loop, worker stopped", async () => {
    const { store, clock, producer, consumer } = await setup();
    const [a, b] = await producer.enqueueBatch(["a", "b"]);
    const loop = gatedLoop(store, consumer);
    await expect.poll(() => loop.running.size, { timeout: 15_000 }).toBe(2);
    const stopping = track(consumer.stop({ timeoutMs: 10_000 }));
    const later = await producer.enqueueBatch(["c", "d"]);
    loop.running.get("a")?.();
    await expect.poll(() => loop.finished, { timeout: 15_000 }).toEqual(["a"]);
    clock.advance(POLL);
    await nextTurn();
    expect(stopping.settled()).toBe(false);
    loop.running.get("b")?.();
    await stopping.promise;
    await loop.done.promise;
    expect(loop.finished).toEqual(["a", "b"]);
    expect((await message(store, a!.id)).archivedAt).not.toBeNull();
    expect((await message(store, b!.id)).archivedAt).not.toBeNull();
    for (const m of later) expect((await message(store, m.id)).readCt).toBe(0);
    expect(await consumer.status()).toBe("stopped");
    expect((await pgqrs.admin(store).getWorker(consumer.id)).status).toBe("stopped");
  });

  it("stop() has nothing left to do once the loop's done settles: closing the store then does not fail it", async () => {
    // The production guide's worker: SIGTERM calls stop() without awaiting it, the main line awaits the loop's end
    // and closes the store. The loop's end already stopped the worker, so stop() must not write again after it.
    const { store, producer, consumer } = await setup();
    await producer.enqueueBatch(["a"]);
    const loop = gatedLoop(store, consumer);
    await expect.poll(() => loop.running.size, { timeout: 15_000 }).toBe(1);
    const stopping = consumer.stop({ timeoutMs: 10_000 });
    loop.running.get("a")?.();
    expect(await loop.done.promise).toBe("aborted");
    await store.close();
    await expect(stopping).resolves.toBeUndefined();
    expect(loop.finished).toEqual(["a"]);
    expect(consumer.record.status).toBe("stopped");
  });

  it("a handler that finished before the timeout is archived even when another one outlives it", async () => {
    const { store, clock, producer, consumer } = await setup();
    const [done, hung] = await producer.enqueueBatch(["done", "hung"]);
    const loop = gatedLoop(store, consumer);
    await expect.poll(() => loop.running.size, { timeout: 15_000 }).toBe(2);
    const stopping = track(consumer.stop({ timeoutMs: 5_000 }));
    loop.running.get("done")?.();
    await expect.poll(() => loop.finished, { timeout: 15_000 }).toEqual(["done"]);
    await untilTimerAt(clock, 5_000);
    clock.advance(5_000);
    await stopping.promise;
    expect(await consumer.status()).toBe("stopped");
    // The finished one is archived, not released for a second delivery; the hung one is released.
    expect((await message(store, done!.id)).archivedAt).not.toBeNull();
    const released = await message(store, hung!.id);
    expect(released.archivedAt).toBeNull();
    expect(released.consumerWorkerId).toBeNull();
    loop.running.get("hung")?.();
    await loop.done.promise.catch(() => undefined);
  });

  it("after the timeout, releases what is still held and stops; the late handler's archive is refused", async () => {
    const { store, clock, producer, consumer, queue } = await setup();
    const [slow] = await producer.enqueueBatch(["slow"]);
    const loop = gatedLoop(store, consumer);
    await expect.poll(() => loop.running.size, { timeout: 15_000 }).toBe(1);
    const stopping = track(consumer.stop({ timeoutMs: 5_000 }));
    await untilTimerAt(clock, 5_000);
    clock.advance(4_999);
    await nextTurn();
    expect(stopping.settled()).toBe(false);
    expect((await message(store, slow!.id)).consumerWorkerId).toBe(consumer.id);
    clock.advance(1);
    await stopping.promise;
    const released = await message(store, slow!.id);
    expect(released.consumerWorkerId).toBeNull();
    expect(released.archivedAt).toBeNull();
    expect(released.vt.getTime()).toBeLessThanOrEqual(clock.now().getTime());
    expect(await consumer.status()).toBe("stopped");
    // The handler ends late: its message is not the stopped worker's any more, so it stays for another consumer.
    loop.running.get("slow")?.();
    await loop.done.promise.catch(() => undefined);
    expect((await message(store, slow!.id)).archivedAt).toBeNull();
    const other = await store.consumer(queue);
    expect((await other.dequeue()).map((m) => m.id)).toEqual([slow!.id]);
  });

  it("stops a consumer without a loop: what it holds is released at once", async () => {
    const { store, producer, consumer } = await setup();
    await producer.enqueueBatch([1, 2, 3]);
    const held = await consumer.dequeue({ batchSize: 2, vtSeconds: 600 });
    expect(held).toHaveLength(2);
    await consumer.stop({ timeoutMs: 0 });
    for (const m of held) expect((await message(store, m.id)).consumerWorkerId).toBeNull();
    expect(await consumer.status()).toBe("stopped");
    // Idempotent.
    await consumer.stop();
    expect(await consumer.status()).toBe("stopped");
  });

  it("stop works on a suspended worker and on a producer", async () => {
    const { producer, consumer } = await setup();
    await consumer.suspend();
    await consumer.stop({ timeoutMs: 0 });
    expect(await consumer.status()).toBe("stopped");
    await producer.stop();
    expect(await producer.status()).toBe("stopped");
  });

  it("refuses a bad timeout, changing nothing", async () => {
    const { consumer } = await setup();
    for (const timeoutMs of [-1, Number.NaN, 2 ** 31, Number.POSITIVE_INFINITY]) {
      const err = await thrown(() => consumer.stop({ timeoutMs }));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain("timeoutMs");
    }
    expect(await consumer.status()).toBe("ready");
  });

  it("a loop ended by its AbortSignal leaves its worker stopped, holding nothing, never a zombie", async () => {
    const { store, clock, producer, consumer, queue } = await setup();
    const [m] = await producer.enqueueBatch(["in flight"]);
    const ctl = new AbortController();
    const loop = gatedLoop(store, consumer, ctl.signal);
    await expect.poll(() => loop.running.size, { timeout: 15_000 }).toBe(1);
    ctl.abort();
    loop.running.get("in flight")?.();
    expect(await loop.done.promise).toBe("aborted");
    expect((await message(store, m!.id)).archivedAt).not.toBeNull();
    expect(await consumer.status()).toBe("stopped");
    // Long after, it is not a zombie and health counts it stopped.
    for (let i = 0; i < 20; i += 1) clock.advance(60_000);
    expect((await pgqrs.admin(store).listZombies({ queue })).map((w) => w.id)).not.toContain(consumer.id);
    const health = await pgqrs.admin(store).workerHealthStats({ groupByQueue: true });
    expect(health.find((h) => h.queueName === queue)?.stoppedWorkers).toBe(1);
  });

  it("an aborted loop on the store's own consumer of a queue does not break the next loop on it", async () => {
    const { store, producer, queue } = await setup();
    const seen: unknown[] = [];
    for (const round of [1, 2]) {
      await producer.enqueue(round);
      const ctl = new AbortController();
      const end = await pgqrs
        .dequeue()
        .from(queue)
        .pollInterval(POLL)
        .signal(ctl.signal)
        .handle(async (msg) => {
          seen.push(msg.payload);
          ctl.abort();
        })
        .poll(store);
      expect(end).toBe("aborted");
    }
    expect(seen).toEqual([1, 2]);
    expect(await pgqrs.dequeue().from(queue).fetchOne(store)).toBeNull();
  });

  it("two loops on the store's own consumer of a queue, aborted together, both end aborted", async () => {
    const { store, producer, queue } = await setup();
    const [m] = await producer.enqueueBatch(["held"]);
    const hold = gate();
    let started = 0;
    let finished = 0;
    const ctl = new AbortController();
    const loops = [0, 1].map(() =>
      track(
        pgqrs
          .dequeue()
          .from(queue)
          .prefetch(0)
          .pollInterval(POLL)
          .signal(ctl.signal)
          .handle(async () => {
            started += 1;
            await hold.wait;
            finished += 1;
          })
          .poll(store),
      ),
    );
    await expect.poll(() => started, { timeout: 15_000 }).toBe(1);
    ctl.abort();
    // The idle loop ends; the other still runs its handler, whose message must stay leased meanwhile.
    await expect.poll(() => loops.filter((l) => l.settled()).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect((await message(store, m!.id)).consumerWorkerId).not.toBeNull();
    hold.open();
    const ends = await Promise.allSettled(loops.map((l) => l.promise));
    expect(ends.map((e) => (e.status === "fulfilled" ? e.value : String(e.reason)))).toEqual(["aborted", "aborted"]);
    expect(finished).toBe(1);
    expect((await message(store, m!.id)).archivedAt).not.toBeNull();
  });
});
