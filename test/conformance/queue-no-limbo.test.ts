/**
 * Queue controls, no limbo (issue 17 item 3): the failure of a message's last allowed attempt dead-letters it in
 * the same statement, with its error, and the metrics count it dead at once; a lease that expires at the limit is
 * dead-lettered by a loop's maintenance; listing dead letters (and reading metrics) writes nothing.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

const POLL_MS = 100;

/** Every row a read could have changed (messages with their dead-letter fields, workers), as comparable text. */
async function snapshot(store: pgqrs.Store): Promise<string> {
  const t = store.tables();
  const messages = await t.messages().list({ state: "all", limit: 10_000 });
  const workers = await t.workers().list({ limit: 10_000 });
  return JSON.stringify({
    messages: messages
      .map((m) => [m.id, m.vt, m.readCt, m.archivedAt, m.deadLetteredAt, m.consumerWorkerId, m.lastError])
      .sort(),
    workers: workers.map((w) => [w.id, w.status]).sort(),
  });
}

async function message(store: pgqrs.Store, id: number): Promise<pgqrs.QueueMessage> {
  const m = await store.tables().messages().get(id);
  if (m === null || m === undefined) throw new Error(`message ${id} is gone`);
  return m;
}

/** A loop on `queue` that polls every POLL_MS and runs `handler`; `stop()` aborts it and waits for it to end. */
function serve(store: pgqrs.Store, queue: string, handler: pgqrs.MessageHandler<unknown>): { stop(): Promise<void> } {
  const ctl = new AbortController();
  const loop = pgqrs.dequeue().from(queue).pollInterval(POLL_MS).signal(ctl.signal).handle(handler).poll(store);
  return {
    stop: async () => {
      ctl.abort();
      await loop;
    },
  };
}

describe.each(EVERY_BACKEND)("no limbo on %s", (backend) => {
  let n = 0;
  const setup = async (options?: Parameters<pgqrs.Admin["createQueue"]>[1]) => {
    const t = await openVirtualStore(backend);
    n += 1;
    const queue = `limbo_${n}`;
    await pgqrs.admin(t.store).createQueue(queue, options);
    return { ...t, queue, producer: await t.store.producer(queue) };
  };

  it("the last attempt's failure dead-letters at once, with its error; metrics count it dead at once", async () => {
    const { store, clock, queue, producer } = await setup({ retry: { maxAttempts: 2, baseMs: 1, jitter: 0 } });
    const m = await producer.enqueue({ doomed: true });
    const keep = await producer.enqueue({ fine: true }, { delaySeconds: 3_600 });
    let calls = 0;
    const loop = serve(store, queue, async () => {
      calls += 1;
      throw new Error(`attempt ${calls} failed`);
    });
    await expect.poll(async () => (await message(store, m.id)).lastError?.attempt, { timeout: 15_000 }).toBe(1);
    // Once the loop sleeps for its poll interval, the next poll finds the message visible again.
    await untilTimerAt(clock, POLL_MS);
    clock.advance(POLL_MS);
    await expect.poll(async () => (await message(store, m.id)).archivedAt !== null, { timeout: 15_000 }).toBe(true);
    const dead = await message(store, m.id);
    expect(dead.deadLetteredAt).not.toBeNull();
    expect(dead.readCt).toBe(2);
    expect(dead.lastError).toMatchObject({ name: "Error", message: "attempt 2 failed", attempt: 2 });
    // Counted as dead with no dlq() call.
    const metrics = await pgqrs.admin(store).queueMetrics(queue);
    expect(metrics).toMatchObject({
      deadLetteredMessages: 1,
      pendingMessages: 0,
      leasedMessages: 0,
      activeMessages: 1,
      delayedMessages: 1,
      archivedMessages: 1,
    });
    expect((await pgqrs.admin(store).listDlq(queue)).map((d) => d.id)).toEqual([m.id]);
    expect((await pgqrs.admin(store).systemStats()).deadLetteredMessages).toBe(1);
    // The loop goes on; no further delivery of the dead message.
    await untilTimerAt(clock, POLL_MS);
    clock.advance(POLL_MS);
    await untilTimerAt(clock, POLL_MS);
    expect(calls).toBe(2);
    expect((await message(store, keep.id)).readCt).toBe(0);
    await loop.stop();
  });

  it("maxAttempts 1: the first failure of a batch dead-letters every message of it in one go", async () => {
    const { store, queue, producer } = await setup({ retry: { maxAttempts: 1 } });
    const ms = await producer.enqueueBatch(["a", "b", "c"]);
    let calls = 0;
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .from(queue)
      .batch(3)
      .pollInterval(POLL_MS)
      .signal(ctl.signal)
      .handleBatch(async () => {
        calls += 1;
        throw new RangeError("batch failed");
      })
      .poll(store);
    await expect
      .poll(async () => (await pgqrs.admin(store).queueMetrics(queue)).deadLetteredMessages, { timeout: 15_000 })
      .toBe(3);
    for (const m of ms) {
      const dead = await message(store, m.id);
      expect(dead.deadLetteredAt).not.toBeNull();
      expect(dead.lastError).toMatchObject({ name: "RangeError", message: "batch failed", attempt: 1 });
    }
    expect(calls).toBe(1);
    expect((await pgqrs.admin(store).queueMetrics(queue)).pendingMessages).toBe(0);
    ctl.abort();
    await loop;
  });

  it("a lease that expires at the limit is dead-lettered by a loop's maintenance, never delivered again", async () => {
    const { store, clock, queue, producer } = await setup({ retry: { maxAttempts: 2 } });
    const m = await producer.enqueue("held twice");
    const holder = await store.consumer(queue);
    expect((await holder.dequeue({ vtSeconds: 10 })).map((x) => x.id)).toEqual([m.id]);
    clock.advance(10_001);
    expect((await holder.dequeue({ vtSeconds: 10 })).map((x) => x.id)).toEqual([m.id]);
    clock.advance(10_001);
    // At its limit, with its lease expired: no claim takes it.
    expect(await (await store.consumer(queue)).dequeue({ vtSeconds: 10 })).toEqual([]);
    let calls = 0;
    const loop = serve(store, queue, async () => {
      calls += 1;
    });
    // Maintenance runs every few (virtual) seconds; walk time forward until it has dead-lettered the message.
    for (let i = 0; i < 120 && (await message(store, m.id)).deadLetteredAt === null; i += 1) {
      clock.advance(1_000);
      await untilTimerAt(clock, POLL_MS);
    }
    const dead = await message(store, m.id);
    expect(dead.deadLetteredAt).not.toBeNull();
    expect(dead.archivedAt).not.toBeNull();
    expect(dead.readCt).toBe(2);
    expect(calls).toBe(0);
    const metrics = await pgqrs.admin(store).queueMetrics(queue);
    expect(metrics).toMatchObject({ deadLetteredMessages: 1, pendingMessages: 0, activeMessages: 0 });
    await loop.stop();
  });

  it("a live lease at the limit is left alone by maintenance", async () => {
    const { store, clock, queue, producer } = await setup({ retry: { maxAttempts: 1 } });
    const m = await producer.enqueue("held");
    const holder = await store.consumer(queue);
    await holder.dequeue({ vtSeconds: 3_600 });
    const loop = serve(store, queue, async () => undefined);
    // 35 s: more than two maintenance periods.
    for (let i = 0; i < 35; i += 1) {
      clock.advance(1_000);
      await untilTimerAt(clock, POLL_MS);
    }
    const still = await message(store, m.id);
    expect(still.deadLetteredAt).toBeNull();
    expect(still.consumerWorkerId).toBe(holder.id);
    expect(await holder.archive(m.id)).toBe(true);
    await loop.stop();
  });

  it("listing dead letters and reading metrics write nothing", async () => {
    const { store, clock, queue, producer } = await setup({ retry: { maxAttempts: 1, baseMs: 1, jitter: 0 } });
    // One dead-lettered by a failing loop, one left at its limit by a plain release (the old way).
    const dead = await producer.enqueue("dead");
    const loop = serve(store, queue, async () => {
      throw new Error("no");
    });
    await expect
      .poll(async () => (await message(store, dead.id)).deadLetteredAt !== null, { timeout: 15_000 })
      .toBe(true);
    await loop.stop();
    const atLimit = await producer.enqueue("at limit");
    const c = await store.consumer(queue);
    await c.dequeue({ vtSeconds: 30 });
    expect(await c.releaseMessages([atLimit.id])).toBe(1);
    clock.advance(1);
    const before = await snapshot(store);
    const adm = pgqrs.admin(store);
    const listed = await adm.listDlq(queue);
    expect(listed.map((x) => x.id)).toContain(dead.id);
    await store.tables().messages().list({ state: "dead" });
    await store.tables().messages().count({ state: "dead" });
    await adm.queueMetrics(queue);
    await adm.allQueuesMetrics();
    await adm.systemStats();
    expect(await snapshot(store)).toBe(before);
  });

  it("a message left at the queue's attempt limit (not yet dead-lettered) is not counted pending", async () => {
    const { store, clock, queue, producer } = await setup({ retry: { maxAttempts: 2 } });
    const m = await producer.enqueue("at limit");
    const c = await store.consumer(queue);
    for (let i = 0; i < 2; i += 1) {
      expect((await c.dequeue({ vtSeconds: 30 })).map((x) => x.id)).toEqual([m.id]);
      expect(await c.releaseMessages([m.id])).toBe(1);
      clock.advance(1);
    }
    // No claim can take it (its 2 attempts are used), so the metrics must not offer it as pending work.
    expect(await c.dequeue()).toEqual([]);
    const metrics = await pgqrs.admin(store).queueMetrics(queue);
    expect(metrics.pendingMessages).toBe(0);
    expect(metrics.activeMessages).toBe(1);
  });
});
