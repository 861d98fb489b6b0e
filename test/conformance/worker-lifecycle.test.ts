import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND, freshDatabase, manyProcesses } from "../support/backends.js";
import { kill9, spawnFixture } from "../support/child.js";
import { errorCode, openTestStore, thrown } from "../support/stores.js";
import { gate, openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

type Op = "poll" | "completePoll" | "interrupt" | "suspend" | "resume" | "shutdown";
const STATES: pgqrs.WorkerStatus[] = ["ready", "polling", "interrupted", "suspended", "stopped"];
const OPS: Op[] = ["poll", "completePoll", "interrupt", "suspend", "resume", "shutdown"];
const ALLOWED: Record<Op, pgqrs.WorkerStatus[]> = {
  poll: ["ready", "polling"],
  completePoll: ["polling"],
  interrupt: ["polling"],
  suspend: ["ready", "polling", "interrupted"],
  resume: ["suspended"],
  shutdown: ["suspended"],
};
const TARGET: Record<Op, pgqrs.WorkerStatus> = {
  poll: "polling",
  completePoll: "ready",
  interrupt: "interrupted",
  suspend: "suspended",
  resume: "ready",
  shutdown: "stopped",
};
/** How to bring a fresh (ready) worker into each state. */
const PATH: Record<pgqrs.WorkerStatus, Op[]> = {
  ready: [],
  polling: ["poll"],
  interrupted: ["poll", "interrupt"],
  suspended: ["suspend"],
  stopped: ["suspend", "shutdown"],
};

describe.each(EVERY_BACKEND)("worker lifecycle on %s", (backend) => {
  it("follows the five-state transition table exactly", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("life");
    for (const from of STATES) {
      for (const op of OPS) {
        const w = await store.consumer("life");
        for (const step of PATH[from]) await w[step]();
        expect(await w.status()).toBe(from);
        if (ALLOWED[op].includes(from)) {
          await w[op]();
          expect(await w.status()).toBe(TARGET[op]);
        } else {
          const err = await thrown(() => w[op]());
          expect(err.code).toBe("INVALID_STATE_TRANSITION");
          expect(err.details).toMatchObject({ from, to: TARGET[op] });
          expect(typeof err.details?.reason).toBe("string");
          expect(await w.status()).toBe(from);
        }
      }
    }
  });

  it("ends a running handler loop on interrupt, leaving the worker suspended", async () => {
    const { store } = await openTestStore(backend, { pollIntervalMs: 10 });
    await store.queue("loop");
    const consumer = await store.consumer("loop");
    const producer = await store.producer("loop");
    await producer.enqueueBatch([1, 2, 3]);
    const seen: unknown[] = [];
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async (m) => {
        seen.push(m.payload);
      })
      .poll(store);
    await vi.waitFor(() => expect(seen).toHaveLength(3), { timeout: 15_000 });
    expect(await consumer.status()).toBe("polling");
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
    expect(await consumer.status()).toBe("suspended");
    expect(seen).toEqual([1, 2, 3]);
    const again = await pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async () => undefined)
      .poll(store)
      .catch((e: pgqrs.PgqrsError) => e);
    expect((again as pgqrs.PgqrsError).code).toBe("SUSPENDED");
    expect((again as pgqrs.PgqrsError).message).toContain("worker suspended");
  });

  it("keeps a loop going when handlers fail, releasing with the configured delay", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 10 });
    await store.queue("fail");
    const consumer = await store.consumer("fail");
    const m = await (await store.producer("fail")).enqueue("x");
    let calls = 0;
    const errors: unknown[] = [];
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .releaseDelay(30)
      .onError((e) => errors.push(e))
      .signal(ctl.signal)
      .handle(async () => {
        calls += 1;
        throw "not an Error";
      })
      .poll(store);
    await vi.waitFor(() => expect(calls).toBe(1), { timeout: 15_000 });
    const released = clock.now().getTime() + 30_000;
    await expect
      .poll(async () => (await store.tables().messages().get(m.id))?.vt.getTime(), { timeout: 15_000 })
      .toBe(released);
    expect(errors).toContain("not an Error");
    // 1 ms before the delay is over, the loop polls (its 10 ms sleep ends) and finds nothing, then sleeps again.
    clock.advance(29_999);
    await untilTimerAt(clock, 10);
    expect(calls).toBe(1);
    clock.advance(10);
    await vi.waitFor(() => expect(calls).toBe(2), { timeout: 15_000 });
    ctl.abort();
    expect(await loop).toBe("aborted");
    // A loop ended by its signal leaves its worker stopped, not a `ready` worker nobody serves.
    expect(await consumer.status()).toBe("stopped");
  });

  it("heartbeats while a slow handler runs", async () => {
    const { store, clock } = await openVirtualStore(backend, { heartbeatIntervalSeconds: 5, pollIntervalMs: 10 });
    await store.queue("slow");
    const consumer = await store.consumer("slow");
    await (await store.producer("slow")).enqueue("x");
    const handler = gate();
    let running = false;
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async () => {
        running = true;
        await handler.wait;
      })
      .poll(store);
    await vi.waitFor(() => expect(running).toBe(true), { timeout: 15_000 });
    // Each heartbeat period of virtual time, while the handler still runs, writes a heartbeat stamped with it.
    for (let beat = 1; beat <= 3; beat++) {
      clock.advance(5_000);
      const at = clock.now().getTime();
      await expect.poll(async () => (await consumer.refresh()).heartbeatAt.getTime(), { timeout: 15_000 }).toBe(at);
    }
    handler.open();
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });

  it("stops a loop with a clear error when an admin deletes its worker", async () => {
    const { store, clock } = await openVirtualStore(backend, { heartbeatIntervalSeconds: 5, pollIntervalMs: 10 });
    await store.queue("gone");
    const consumer = await store.consumer("gone");
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async () => undefined)
      .poll(store);
    // The loop polled the empty queue and sleeps for its poll interval.
    await untilTimerAt(clock, 10);
    expect(await pgqrs.admin(store).deleteWorker(consumer.id)).toBe(1);
    // The next heartbeat (and the loop's next status check) finds the row gone.
    clock.advance(5_000);
    const err = await loop.catch((e: pgqrs.PgqrsError) => e);
    expect((err as pgqrs.PgqrsError).code).toBe("WORKER_NOT_FOUND");
  });

  it.skipIf(!manyProcesses(backend))(
    "reclaims the messages of a worker process killed with SIGKILL",
    async () => {
      const { dsn, schema } = freshDatabase(backend);
      // The child heartbeats in real time; this store reads time from a clock the test moves past its last beat.
      const clock = new pgqrs.ManualClock();
      const store = await pgqrs.connect(dsn, { schema, clock });
      const admin = pgqrs.admin(store);
      await admin.install();
      await store.queue("zombies");
      const producer = await store.producer("zombies");
      const sent = await producer.enqueueBatch(Array.from({ length: 20 }, (_, i) => i));
      const { child, first } = await spawnFixture<{ workerId: number; held: number[] }>(
        "test/fixtures/hold-messages-child.ts",
        [dsn, schema, "zombies", "20"],
      );
      expect(first.held).toHaveLength(20);
      await kill9(child);
      // 1.5 s after the dead child's last heartbeat (it beat at most at the real time now), in this store's time.
      clock.set(Date.now() + 1_500);
      await producer.heartbeat();
      const consumer = await store.consumer("zombies");
      expect(await consumer.dequeue({ batchSize: 20 })).toEqual([]);
      expect((await admin.listZombies({ queue: "zombies", olderThanMs: 1_000 })).map((w) => w.id)).toEqual([
        first.workerId,
      ]);
      expect(await admin.reclaimMessages("zombies", 1_000)).toBe(20);
      expect((await store.tables().workers().get(first.workerId))?.status).toBe("stopped");
      const got = await consumer.dequeue({ batchSize: 50 });
      expect(got.map((m) => m.id).sort((a, b) => a - b)).toEqual(sent.map((m) => m.id));
      expect(got.every((m) => m.readCt === 2)).toBe(true);
      expect((await consumer.archiveMany(got.map((m) => m.id))).every(Boolean)).toBe(true);
      expect((await admin.queueMetrics("zombies")).archivedMessages).toBe(20);
      await store.close();
    },
    60_000,
  );

  it("dead-letters per queue and replays only that queue's dead letters", async () => {
    const { store, clock } = await openTestStore(backend, { maxReadCt: 1 });
    const admin = pgqrs.admin(store);
    await store.queue("dl_a");
    await store.queue("dl_b");
    const a = await (await store.producer("dl_a")).enqueue("a");
    const b = await (await store.producer("dl_b")).enqueue("b");
    const ca = await store.consumer("dl_a");
    const cb = await store.consumer("dl_b");
    await ca.dequeue({ vtSeconds: 1 });
    await cb.dequeue({ vtSeconds: 1 });
    expect(await admin.dlq("dl_a")).toEqual([]);
    clock.advance(1_000);
    expect(await admin.dlq("dl_a")).toEqual([a.id]);
    expect((await admin.listDlq("dl_a")).map((m) => m.id)).toEqual([a.id]);
    expect(await admin.listDlq("dl_b")).toEqual([]);
    expect(await admin.replayDlq("dl_b", a.id)).toBeNull();
    const replayed = await admin.replayDlq("dl_a", a.id);
    expect(replayed?.readCt).toBe(0);
    expect(replayed?.archivedAt).toBeNull();
    expect((await ca.dequeue()).map((m) => m.id)).toEqual([a.id]);
    expect(await ca.archive(a.id)).toBe(true);
    expect(await admin.replayDlq("dl_a", a.id)).toBeNull();
    // Without a queue, dlq() covers every queue, as pgqrs's does.
    expect(await admin.dlq()).toEqual([b.id]);
    expect((await admin.listDlq("dl_b")).map((m) => m.id)).toEqual([b.id]);
    const missing = await thrown(() => admin.queueMetrics(undefined as unknown as string));
    expect(missing.code).toBe("VALIDATION_FAILED");
    expect(missing.message).toContain("Queue name is required");
  });

  it("computes stats as documented", async () => {
    const { store, clock } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    await store.queue("st");
    const producer = await store.producer("st");
    const consumer = await store.consumer("st");
    await producer.enqueueBatch([1, 2, 3]);
    await consumer.dequeue();
    let ws = await admin.workerStats("st");
    expect(ws).toMatchObject({ totalWorkers: 2, readyWorkers: 2, suspendedWorkers: 0, averageMessagesPerWorker: 0.5 });
    await producer.suspend();
    ws = await admin.workerStats("st");
    expect([ws.readyWorkers, ws.suspendedWorkers]).toEqual([1, 1]);
    const sys = await admin.systemStats();
    expect(sys).toMatchObject({
      totalQueues: 1,
      totalWorkers: 2,
      activeWorkers: 1,
      totalMessages: 3,
      pendingMessages: 2,
      leasedMessages: 1,
    });
    clock.advance(3_600_000);
    const [global] = await admin.workerHealthStats({ heartbeatTimeoutMs: 60_000 });
    expect(global).toMatchObject({
      queueName: "Global",
      totalWorkers: 2,
      readyWorkers: 1,
      suspendedWorkers: 1,
      staleWorkers: 1,
    });
    const perQueue = await admin.workerHealthStats({ heartbeatTimeoutMs: 60_000, groupByQueue: true });
    expect(perQueue.find((r) => r.queueName === "st")?.staleWorkers).toBe(1);
    expect(await errorCode(() => admin.workerStats("missing"))).toBe("QUEUE_NOT_FOUND");
  });
});
