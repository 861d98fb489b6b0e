/**
 * `store.events`: in-process hooks on both backends — enqueued, completed, failed, deadLettered, runStarted,
 * runFinished, stepFinished, workerStopped — with on/once/off, and listeners that throw or reject never breaking
 * the engine (their failures go to the store's logger).
 */
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { PgqrsEventMap, PgqrsEventName } from "../../src/index.js";
import { StoreEvents } from "../../src/index.js";
import { BACKENDS, dropSchema, freshDatabase } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

/** Every event of `names` the store emits, in order. */
function record<K extends PgqrsEventName>(store: pgqrs.Store, names: readonly K[]) {
  const seen: { name: K; event: PgqrsEventMap[K] }[] = [];
  for (const name of names) store.events.on(name, (event) => void seen.push({ name, event }));
  return seen;
}

describe("StoreEvents", () => {
  it("on, once and off; a throwing or rejecting listener is reported and the others still run", async () => {
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const events = new StoreEvents(() => ({
      error: (fields: Record<string, unknown>, message: string) => void logged.push({ fields, message }),
    }));
    const calls: string[] = [];
    const a = () => void calls.push("a");
    events.on("workerStopped", () => {
      throw new Error("listener bug");
    });
    events.on("workerStopped", async () => {
      throw new Error("async listener bug");
    });
    const offA = events.on("workerStopped", a);
    events.once("workerStopped", () => void calls.push("once"));
    const stopped = { workerId: 1, name: "w", queueId: 2 };
    expect(() => events.emit("workerStopped", stopped)).not.toThrow();
    events.emit("workerStopped", stopped);
    offA();
    events.emit("workerStopped", stopped);
    expect(calls).toEqual(["a", "once", "a"]);
    await new Promise((r) => setImmediate(r));
    expect(logged).toHaveLength(6);
    expect(logged[0]?.fields).toMatchObject({ event: "workerStopped" });
    expect(logged[0]?.fields.err).toMatchObject({ message: "listener bug" });
    expect(logged.some((l) => (l.fields.err as Error).message === "async listener bug")).toBe(true);
    expect(events.listenerCount("workerStopped")).toBe(2);
    expect(events.has("completed")).toBe(false);
  });
});

describe.each(BACKENDS)("store events on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend, { pollIntervalMs: 10 });
    n += 1;
    return { ...t, name: `ev_${backend}_${n}` };
  };

  it("enqueued for each write (not for a deduplicated enqueue); completed for archived messages", async () => {
    const { store, name } = await setup();
    await store.queue(name);
    const seen = record(store, ["enqueued", "completed"]);
    const producer = await store.producer(name);
    const one = await producer.enqueue({ n: 1 }, { dedupKey: "k" });
    await producer.enqueue({ n: 1 }, { dedupKey: "k" });
    const batch = await producer.enqueueBatch([{ n: 2 }, { n: 3 }]);
    expect(seen).toEqual([
      {
        name: "enqueued",
        event: { queue: name, queueId: producer.queue.id, messageIds: [one.id], producerWorkerId: producer.id },
      },
      { name: "enqueued", event: expect.objectContaining({ messageIds: batch.map((m) => m.id) }) },
    ]);
    seen.length = 0;
    const consumer = await store.consumer(name);
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async () => undefined)
      .poll(store);
    await expect
      .poll(
        () =>
          seen
            .flatMap((s) => (s.name === "completed" ? (s.event as PgqrsEventMap["completed"]).messageIds : []))
            .sort(),
        {
          timeout: 15_000,
        },
      )
      .toEqual([one.id, ...batch.map((m) => m.id)].sort());
    await consumer.interrupt();
    await loop;
    expect(seen.every((s) => (s.event as PgqrsEventMap["completed"]).consumerWorkerId === consumer.id)).toBe(true);
  });

  it("failed with error, attempt and next visibility; the last attempt is failed + deadLettered", async () => {
    const { store, name, clock } = await setup();
    await store.queue(name);
    const seen = record(store, ["failed", "deadLettered", "completed"]);
    const msg = await (await store.producer(name)).enqueue({ n: 1 });
    const consumer = await store.consumer(name);
    const attempt = () =>
      pgqrs
        .dequeue()
        .worker(consumer)
        .retry({ maxAttempts: 2, jitter: 0 })
        .handle(async () => {
          throw new Error("handler failed");
        })
        .execute(store);
    await expect(attempt()).rejects.toThrow("handler failed");
    expect(seen).toHaveLength(1);
    const first = seen[0]?.event as PgqrsEventMap["failed"];
    expect(first).toMatchObject({ queue: name, messageId: msg.id, attempt: 1, deadLettered: false });
    expect(first.error.message).toContain("handler failed");
    expect(first.nextVisibleAt?.getTime()).toBe(clock.now().getTime() + 1_000);
    clock.advance(1_000);
    await expect(attempt()).rejects.toThrow("handler failed");
    expect(seen.map((s) => s.name)).toEqual(["failed", "failed", "deadLettered"]);
    expect(seen[1]?.event).toMatchObject({ attempt: 2, deadLettered: true, nextVisibleAt: null });
    expect(seen[2]?.event).toMatchObject({ queue: name, messageId: msg.id, attempts: 2 });
    expect((await store.tables().messages().get(msg.id))?.deadLetteredAt).not.toBeNull();
  });

  it("runStarted, stepFinished and runFinished (SUCCESS and ERROR); workerStopped when the worker stops", async () => {
    const { store, name } = await setup();
    const seen = record(store, ["runStarted", "stepFinished", "runFinished", "workerStopped"]);
    const wf = pgqrs.defineWorkflow({ name }, async (run, input: { fail: boolean }) => {
      const v = await pgqrs.workflowStep(run, "first", async () => 1);
      if (input.fail) {
        await pgqrs.workflowStep(run, "second", async () => {
          throw new pgqrs.NonRetryableError("gave up");
        });
      }
      return v;
    });
    await pgqrs.workflow().name(wf).create(store);
    const consumer = await store.consumer(name, { name: `${name}-worker` });
    const worker = pgqrs.workflow().name(wf).consumer(consumer).poll(store);
    const ok = await pgqrs.workflow().name(wf).trigger({ fail: false }).execute(store);
    expect(await pgqrs.run().message(ok).store(store).result({ timeoutMs: 15_000 })).toBe(1);
    const bad = await pgqrs.workflow().name(wf).trigger({ fail: true }).execute(store);
    await expect.poll(() => seen.filter((s) => s.name === "runFinished").length, { timeout: 15_000 }).toBe(2);
    await consumer.stop();
    await worker;
    const of = <K extends PgqrsEventName>(k: K) =>
      seen.filter((s) => s.name === k).map((s) => s.event as PgqrsEventMap[K]);
    expect(of("runStarted").map((e) => [e.workflow, e.messageId, e.attempt])).toEqual([
      [name, ok.id, 1],
      [name, bad.id, 1],
    ]);
    expect(of("stepFinished").map((e) => [e.workflow, e.step, e.status, e.retryAt])).toEqual([
      [name, "first", "SUCCESS", null],
      [name, "first", "SUCCESS", null],
      [name, "second", "ERROR", null],
    ]);
    expect(of("stepFinished")[2]?.error).toBeInstanceOf(pgqrs.NonRetryableError);
    const finished = of("runFinished");
    expect(finished.map((e) => [e.messageId, e.status])).toEqual([
      [ok.id, "SUCCESS"],
      [bad.id, "ERROR"],
    ]);
    expect(finished[0]?.error).toBeNull();
    expect(JSON.stringify(finished[1]?.error)).toContain("gave up");
    for (const e of finished) expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(of("workerStopped")).toEqual([
      { workerId: consumer.id, name: `${name}-worker`, queueId: consumer.queue.id },
    ]);
  });

  it("a listener that throws never breaks the engine; its failure goes to the store's logger", async () => {
    const { dsn, schema } = freshDatabase(backend);
    const errors: Record<string, unknown>[] = [];
    const logger = { ...pgqrs.silentLogger, error: (fields: Record<string, unknown>) => void errors.push(fields) };
    const store = await pgqrs.connect(dsn, { schema, logger, pollIntervalMs: 10 });
    afterAll(async () => {
      await store.close();
      if (backend === "postgres") await dropSchema(schema);
    });
    await pgqrs.admin(store).install();
    const name = `ev_${backend}_throwing`;
    await store.queue(name);
    for (const k of ["enqueued", "completed"] as const) {
      store.events.on(k, () => {
        throw new Error(`${k} listener bug`);
      });
    }
    const consumer = await store.consumer(name);
    const handled: unknown[] = [];
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async (m) => void handled.push(m.payload))
      .poll(store);
    await (await store.producer(name)).enqueue({ n: 1 });
    await expect.poll(() => handled, { timeout: 15_000 }).toEqual([{ n: 1 }]);
    await expect.poll(() => errors.map((e) => e.event), { timeout: 15_000 }).toEqual(["enqueued", "completed"]);
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });
});
