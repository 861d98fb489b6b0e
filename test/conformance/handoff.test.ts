/**
 * Handoffs: an idle handler loop takes the next message its own store enqueues straight from the insert, leased
 * to its consumer, without a claim. Checked for correctness: what the row and the handler see, which enqueues are
 * never handed off, and that a handoff that arrives after the loop ended is given back, not lost.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { runPollLoop } from "../../src/queue/poll-loop.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

/**
 * A handler loop on `queue` with a 60 s poll interval, idle once it has polled the empty queue. `store` runs on
 * `clock`, which the tests here never advance: the loop's poll never comes, only enqueues can wake it.
 */
async function idleLoop(store: pgqrs.Store, clock: pgqrs.VirtualClock, queue: string, signal?: AbortSignal) {
  const consumer = await store.consumer(queue);
  const seen: pgqrs.QueueMessage[] = [];
  const builder = pgqrs.dequeue().worker(consumer);
  if (signal !== undefined) builder.signal(signal);
  const loop = builder
    .handle(async (m) => {
      seen.push(m);
    })
    .poll(store);
  await expect.poll(() => consumer.status(), { timeout: 15_000 }).toBe("polling");
  await untilTimerAt(clock, 60_000); // the first claim came back empty: the loop sleeps
  return { consumer, seen, loop };
}

describe.each(EVERY_BACKEND)("handoffs on %s", (backend) => {
  it("an idle loop takes its store's next message straight from the insert, leased to its consumer", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 60_000 });
    await store.queue("direct");
    const producer = await store.producer("direct");
    const { consumer, seen, loop } = await idleLoop(store, clock, "direct");
    const msg = await producer.enqueue({ n: 1 });
    // The caller sees what it enqueued; the lease the insert also wrote is the consumer's.
    expect(msg).toMatchObject({ consumerWorkerId: null, readCt: 0, dequeuedAt: null, payload: { n: 1 } });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(1);
    expect(seen[0]).toMatchObject({ id: msg.id, readCt: 1, consumerWorkerId: consumer.id, payload: { n: 1 } });
    expect(seen[0]).not.toBe(msg);
    await expect
      .poll(async () => (await store.tables().messages().get(msg.id))?.archivedAt ?? null, { timeout: 10_000 })
      .not.toBeNull();
    // The loop goes on: a second message is handled too.
    await producer.enqueue({ n: 2 });
    await expect.poll(() => seen.map((m) => m.payload), { timeout: 10_000 }).toEqual([{ n: 1 }, { n: 2 }]);
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
    expect(await consumer.heldMessageCount()).toBe(0);
  });

  it("at concurrency 1, handles messages enqueued while it works in the order they were enqueued", async () => {
    const { store } = await openTestStore(backend, { pollIntervalMs: 60_000 });
    await store.queue("fifo");
    const producer = await store.producer("fifo");
    const consumer = await store.consumer("fifo");
    const seen: number[] = [];
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async (m) => {
        seen.push(m.payload as number);
        // Every third handler yields for a while, so enqueues arrive both while it is busy and while it is idle.
        if (seen.length % 3 === 0) await new Promise((r) => setTimeout(r, 3));
      })
      .poll(store);
    while ((await consumer.status()) !== "polling") await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 60; i++) {
      await producer.enqueue(i);
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(60);
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i));
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });

  it("never hands off delayed, back-dated or batched messages", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 60_000 });
    await store.queue("kept");
    const producer = await store.producer("kept");
    const { consumer, seen, loop } = await idleLoop(store, clock, "kept");
    const delayed = await producer.enqueue("later", { delaySeconds: 60 });
    const dated = await producer.enqueueAt("dated", new Date(clock.now().getTime() - 1_000));
    const batch = await producer.enqueueBatch(["b1", "b2"]);
    for (const m of [delayed, dated, ...batch]) expect(m.consumerWorkerId).toBeNull();
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(3);
    expect(seen.map((m) => m.payload)).toEqual(["dated", "b1", "b2"]);
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });

  it("a producer without an idle loop of its store inserts an unleased message", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("plain");
    const producer = await store.producer("plain");
    const msg = await producer.enqueue("x");
    expect(msg).toMatchObject({ consumerWorkerId: null, readCt: 0, dequeuedAt: null });
    const consumer = await store.consumer("plain");
    const [got] = await consumer.dequeue();
    expect(got?.id).toBe(msg.id);
  });

  it("never hands off past an older message of another store: oldest first holds across producers", async () => {
    const { store, clock, dsn, schema } = await openVirtualStore(backend, { pollIntervalMs: 60_000 });
    await store.queue("across");
    const other = await pgqrs.connect(dsn, { schema, clock, pollIntervalMs: 60_000 });
    try {
      const { consumer, seen, loop } = await idleLoop(store, clock, "across");
      // The loop was not told of this one (SQLite stores do not notify each other; a notification may be late).
      const older = await (await other.producer("across")).enqueue("older");
      clock.advance(1);
      const newer = await (await store.producer("across")).enqueue("newer");
      await expect.poll(() => seen.map((m) => m.payload), { timeout: 10_000 }).toEqual(["older", "newer"]);
      expect(seen.map((m) => m.id)).toEqual([older.id, newer.id]);
      await consumer.interrupt();
      expect(await loop).toBe("interrupted");
    } finally {
      await other.close();
    }
  });

  it("the leased insert leases only what the consumer's claim would have returned", async () => {
    const { store, clock } = await openTestStore(backend);
    const q = await store.queue("leased_insert");
    const producer = await store.producer("leased_insert");
    const consumer = await store.consumer("leased_insert");
    const b = store.context.backend;
    const insert = (payload: string) => {
      const now = clock.now();
      return b.enqueue({
        queueId: q.id,
        payloads: [JSON.stringify(payload)],
        producerWorkerId: producer.id,
        enqueuedAt: now,
        visibleAt: now,
        leaseTo: { workerId: consumer.id, now, leaseEnd: new Date(now.getTime() + 30_000), maxReadCt: 5 },
      });
    };
    await b.transitionWorker({ id: consumer.id, from: ["ready"], to: "polling", now: clock.now() });
    const [first] = await insert("first");
    expect(first).toMatchObject({ consumerWorkerId: consumer.id, readCt: 1 });
    // An older message is claimable: the insert is a plain enqueue, and the claim takes the older one first.
    const [older] = await producer.enqueueBatch(["older", "filler"]);
    clock.advance(1);
    const [second] = await insert("second");
    expect(second).toMatchObject({ consumerWorkerId: null, readCt: 0, dequeuedAt: null });
    expect((await consumer.dequeue()).map((m) => m.id)).toEqual([older?.id]);
    // Lease everything else, so nothing is claimable and only the worker's status can refuse the next handoff.
    expect(await consumer.dequeue({ batchSize: 10 })).toHaveLength(2);
    // A worker interrupted (here, as another process would) takes nothing.
    const other = await store.consumer("leased_insert");
    await b.transitionWorker({ id: other.id, from: ["ready"], to: "polling", now: clock.now() });
    await b.transitionWorker({ id: other.id, from: ["polling"], to: "interrupted", now: clock.now() });
    const now = clock.now();
    const [third] = await b.enqueue({
      queueId: q.id,
      payloads: [JSON.stringify("third")],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
      leaseTo: { workerId: other.id, now, leaseEnd: new Date(now.getTime() + 30_000), maxReadCt: 5 },
    });
    expect(third).toMatchObject({ consumerWorkerId: null, readCt: 0 });
    expect(await b.getMessage(third?.id ?? 0)).toMatchObject({ consumerWorkerId: null, readCt: 0, dequeuedAt: null });
  });

  it("an idle workflow worker gets a trigger with its run started, where the backend can do both in one insert", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 60_000 });
    const wf = pgqrs.defineWorkflow({ name: "handoff_wf" }, async (run, input: number) =>
      pgqrs.workflowStep(run, "double", async () => input * 2),
    );
    await pgqrs.workflow().name(wf).create(store);
    const consumer = await store.consumer("handoff_wf");
    const worker = pgqrs.workflow().name(wf).consumer(consumer).poll(store);
    await expect.poll(() => consumer.status(), { timeout: 15_000 }).toBe("polling");
    await untilTimerAt(clock, 60_000); // the first claim came back empty: the worker sleeps
    const trigger = await pgqrs.workflow().name(wf).trigger(21).execute(store);
    expect(trigger).toMatchObject({ consumerWorkerId: null, readCt: 0 });
    if (store.context.backend.enqueueAndStartRun !== undefined) {
      // The insert created the run: it exists, started, before any claim.
      const run = await pgqrs.workflow("handoff_wf").getRun(trigger.id, store);
      expect(["RUNNING", "SUCCESS"]).toContain(run.status);
      expect(run.startedAt).not.toBeNull();
    }
    // result() waits on the store's clock, which stands still here: watch the run row instead.
    await expect
      .poll(async () => (await pgqrs.workflow("handoff_wf").getRun(trigger.id, store)).status, { timeout: 15_000 })
      .toBe("SUCCESS");
    expect(await pgqrs.run().message(trigger).store(store).result({ timeoutMs: 15_000 })).toBe(42);
    // Served once: one step row, one attempt, and the message archived.
    const done = await pgqrs.workflow("handoff_wf").getRun(trigger.id, store);
    const steps = await store.tables().workflowSteps().listForRun(done.id);
    expect(steps.map((s) => [s.stepName, s.status, s.retryCount])).toEqual([["double", "SUCCESS", 0]]);
    await expect
      .poll(async () => (await store.tables().messages().get(trigger.id))?.archivedAt ?? null, { timeout: 10_000 })
      .not.toBeNull();
    await consumer.interrupt();
    await worker;
  });
});

describe("handoffs on postgres", () => {
  it("a handoff whose insert commits after the loop ended is given back, unrun and not counted", async () => {
    const { store, dsn, schema, clock } = await openVirtualStore("postgres", { pollIntervalMs: 60_000 });
    const queue = await store.queue("late");
    const producer = await store.producer("late");
    const stop = new AbortController();
    const { seen, loop } = await idleLoop(store, clock, "late", stop.signal);
    // Hold the queue row so the insert's foreign-key check waits: the loop ends while the handoff is in flight.
    const blocker = new pg.Client({ connectionString: dsn });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(`SELECT 1 FROM "${schema}".pgqrs_queues WHERE id = $1 FOR UPDATE`, [queue.id]);
      const blockerPid = (await blocker.query<{ pid: number }>("SELECT pg_catalog.pg_backend_pid() AS pid")).rows[0]
        ?.pid;
      const enqueued = producer.enqueue("late");
      // The handoff's insert waits for the blocker's lock.
      await expect
        .poll(
          async () =>
            (
              await blocker.query<{ n: number }>(
                "SELECT pg_catalog.count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE $1 = ANY(pg_catalog.pg_blocking_pids(pid))",
                [blockerPid],
              )
            ).rows[0]?.n,
          { timeout: 15_000 },
        )
        .toBe(1);
      stop.abort();
      expect(await loop).toBe("aborted");
      await blocker.query("COMMIT");
      const msg = await enqueued;
      await expect
        .poll(async () => (await store.tables().messages().get(msg.id))?.consumerWorkerId ?? null, {
          timeout: 10_000,
        })
        .toBeNull();
      expect((await store.tables().messages().get(msg.id))?.readCt).toBe(0);
      expect(seen).toHaveLength(0);
      // Back in the queue: the next consumer gets it.
      const next = await store.consumer("late");
      expect((await next.dequeue()).map((m) => m.id)).toEqual([msg.id]);
    } finally {
      await blocker.end();
    }
  });
});

describe("handoffs on postgres with other processes' enqueues", () => {
  it("at concurrency 2, a local enqueue is not handed off while another store's notified message waits for the claim", async () => {
    const { store, dsn, schema, clock } = await openVirtualStore("postgres", { pollIntervalMs: 60_000 });
    await store.queue("mixed");
    const producer = await store.producer("mixed");
    const consumer = await store.consumer("mixed");
    const other = await pgqrs.connect(dsn, { schema, clock });
    let claims = 0;
    let gate: () => void = () => undefined;
    const gated = new Promise<void>((resolve) => {
      gate = resolve;
    });
    const seen: unknown[] = [];
    const stop = new AbortController();
    try {
      const loop = runPollLoop({
        consumer,
        batchSize: 1,
        concurrency: 2,
        vtSeconds: 30,
        pollIntervalMs: 60_000,
        signal: stop.signal,
        acceptHandoffs: true,
        now: () => consumer.now(),
        claim: async (limit) => {
          claims += 1;
          // The second claim is the one the other store's notification causes: held until the local enqueue is done.
          if (claims === 2) await gated;
          return consumer.dequeue({ batchSize: limit, vtSeconds: 30 });
        },
        process: async (ms) => {
          seen.push(...ms.map((m) => m.payload));
          return ms.map(() => ({ action: "archive" }) as const);
        },
      });
      await expect.poll(() => claims, { timeout: 10_000 }).toBe(1);
      await untilTimerAt(clock, 60_000); // the first claim came back empty: drained, the loop sleeps
      const remote = await (await other.producer("mixed")).enqueue("remote");
      await expect.poll(() => claims, { timeout: 10_000 }).toBe(2); // the notification arrived
      const local = await producer.enqueue("local");
      expect(local.consumerWorkerId).toBeNull();
      gate();
      await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(2);
      expect(seen).toEqual(["remote", "local"]);
      expect(remote.consumerWorkerId).toBeNull();
      stop.abort();
      expect(await loop).toBe("aborted");
    } finally {
      gate();
      await other.close();
    }
  });
});
