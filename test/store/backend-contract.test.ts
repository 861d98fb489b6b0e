import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { isPgqrsError } from "../../src/errors.js";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, QueueRecord, WorkerRecord } from "../../src/types.js";
import { BACKEND_FACTORIES, testClock as clock, useBackend } from "../support/backend-factories.js";
import { freshSqlitePath, uniqueName } from "../support/backends.js";

const factories = BACKEND_FACTORIES;

async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "none";
  } catch (err) {
    return isPgqrsError(err) ? err.code : `non-pgqrs: ${String(err)}`;
  }
}

async function messageOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "none";
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

describe.each(factories)("StoreBackend contract: $name", (factory) => {
  const backend = useBackend(factory);
  let b: StoreBackend;
  beforeEach(() => {
    b = backend();
  });

  async function queue(at: Date): Promise<QueueRecord> {
    return b.createQueue({ name: uniqueName("q"), now: at });
  }

  async function worker(q: QueueRecord | null, at: Date): Promise<WorkerRecord> {
    return b.registerWorker({ name: uniqueName("w"), queueId: q?.id ?? null, now: at });
  }

  async function put(q: QueueRecord, payloads: unknown[], at: Date, visibleAt = at): Promise<QueueMessage[]> {
    return b.enqueue({
      queueId: q.id,
      payloads: payloads.map((p) => JSON.stringify(p)),
      producerWorkerId: null,
      enqueuedAt: at,
      visibleAt,
    });
  }

  async function take(q: QueueRecord, w: WorkerRecord, at: Date, limit = 10, leaseMs = 30_000, maxReadCt = 5) {
    return b.dequeue({ queueId: q.id, workerId: w.id, limit, leaseMs, now: at, maxReadCt });
  }

  describe("schema", () => {
    it("install is idempotent and verify passes on an installed schema", async () => {
      await b.install();
      await expect(b.verify()).resolves.toBeUndefined();
      expect(b.capabilities.backendName).toBe(factory.name);
    });
  });

  describe("queues", () => {
    it("creates, finds and refuses duplicates with QUEUE_ALREADY_EXISTS", async () => {
      const t = clock();
      const name = uniqueName("q");
      const q = await b.createQueue({ name, now: t() });
      expect(q).toEqual({
        id: expect.any(Number),
        queueName: name,
        createdAt: t(),
        retry: null,
        concurrencyLimit: null,
        rateLimit: null,
      });
      expect(await codeOf(() => b.createQueue({ name, now: t() }))).toBe("QUEUE_ALREADY_EXISTS");
      expect(await messageOf(() => b.createQueue({ name, now: t() }))).toBe(`Queue '${name}' already exists`);
      expect(await b.getQueueByName(name)).toEqual(q);
      expect(await b.getQueueById(q.id)).toEqual(q);
      expect(await b.getQueueByName(uniqueName("missing"))).toBeNull();
      expect(await b.getQueueById(q.id + 1_000_000)).toBeNull();
      expect((await b.listQueues()).map((r) => r.id)).toContain(q.id);
    });

    it("deleteQueue refuses live workers and messages, then deletes stopped workers and the workflow", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const w = await worker(q, t());
      const del = () => b.deleteQueue({ queueId: q.id, queueName: q.queueName });
      expect(await codeOf(del)).toBe("VALIDATION_FAILED");
      expect(await messageOf(del)).toBe(
        `Validation failed: Cannot delete queue '${q.queueName}': 1 worker(s) are still assigned to this queue. Delete workers first.`,
      );
      await b.transitionWorker({ id: w.id, from: ["ready"], to: "stopped", now: t() });
      const [m] = await put(q, [{ input: 1 }], t());
      await b.getOrCreateRun({ message: m!, now: t() });
      expect(await messageOf(del)).toBe(
        `Validation failed: Cannot delete queue '${q.queueName}': 1 references exist in messages table. Purge data first.`,
      );
      await b.deleteMessages({ ids: [m!.id] });
      await del();
      expect(await b.getQueueById(q.id)).toBeNull();
      expect(await b.getWorker(w.id)).toBeNull();
      expect(await b.getWorkflowById(wf.id)).toBeNull();
    });

    it("purgeQueue removes messages (with runs and steps) and workers of that queue only", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const other = await queue(t());
      const w = await worker(q, t());
      const [m1, m2] = await put(q, [{ input: 1 }, { input: 2 }], t());
      const [keep] = await put(other, [1], t());
      await take(q, w, t(), 1);
      await b.archive({ ids: [m1!.id], workerId: w.id, now: t() });
      const run = await b.getOrCreateRun({ message: m2!, now: t() });
      await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t() });
      await b.purgeQueue({ queueId: q.id });
      expect(await b.countMessages({ queueId: q.id, state: "all" })).toBe(0);
      expect(await b.getRun(run.id)).toBeNull();
      expect(await b.getStep({ runId: run.id, stepName: "s" })).toBeNull();
      expect(await b.getWorker(w.id)).toBeNull();
      expect(await b.getMessage(keep!.id)).not.toBeNull();
      await b.deleteQueue({ queueId: q.id, queueName: q.queueName });
      expect(await b.getWorkflowByName(wf.name)).toBeNull();
    });
  });

  describe("enqueue and dequeue", () => {
    it("enqueue returns rows in payload order with parsed payloads", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const payloads = [{ a: 1 }, "text", null, [1, 2], 42];
      const rows = await b.enqueue({
        queueId: q.id,
        payloads: payloads.map((p) => JSON.stringify(p)),
        producerWorkerId: w.id,
        enqueuedAt: t(),
        visibleAt: t(5),
      });
      expect(rows.map((r) => r.payload)).toEqual(payloads);
      expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((x, y) => x - y));
      expect(rows[0]).toEqual({
        id: expect.any(Number),
        queueId: q.id,
        payload: { a: 1 },
        vt: t(5),
        enqueuedAt: t(),
        readCt: 0,
        dequeuedAt: null,
        producerWorkerId: w.id,
        consumerWorkerId: null,
        archivedAt: null,
        deadLetteredAt: null,
        priority: 0,
        dedupKey: null,
        groupKey: null,
        lastError: null,
        headers: null,
        progress: null,
      });
      expect(
        await b.enqueue({ queueId: q.id, payloads: [], producerWorkerId: null, enqueuedAt: t(), visibleAt: t() }),
      ).toEqual([]);
    });

    it("enqueues a batch larger than one statement's variable limit", async () => {
      const t = clock();
      const q = await queue(t());
      const rows = await put(
        q,
        Array.from({ length: 7_001 }, (_, i) => i),
        t(),
      );
      expect(rows.map((r) => r.payload)).toEqual(Array.from({ length: 7_001 }, (_, i) => i));
    });

    it("dequeues oldest first by (enqueued_at, id) and returns rows in that order", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [late] = await put(q, ["late"], t(30));
      const [early1, early2] = await put(q, ["early1", "early2"], t(10));
      const [mid] = await put(q, ["mid"], t(20));
      const got = await take(q, w, t(100), 3, 5_000);
      expect(got.map((m) => m.id)).toEqual([early1!.id, early2!.id, mid!.id]);
      for (const m of got) {
        expect(m.readCt).toBe(1);
        expect(m.consumerWorkerId).toBe(w.id);
        expect(m.vt).toEqual(t(5_100));
        expect(m.dequeuedAt).toEqual(t(100));
      }
      expect((await take(q, w, t(100))).map((m) => m.id)).toEqual([late!.id]);
      expect(await take(q, w, t(100))).toEqual([]);
    });

    it("keeps delayed messages invisible until vt, inclusive", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [m] = await put(q, ["d"], t(), t(1_000));
      expect(await take(q, w, t(999))).toEqual([]);
      expect((await take(q, w, t(1_000))).map((r) => r.id)).toEqual([m!.id]);
    });

    it("redelivers an expired lease: read_ct grows, the old owner loses archive", async () => {
      const t = clock();
      const q = await queue(t());
      const w1 = await worker(q, t());
      const w2 = await worker(q, t());
      const [m] = await put(q, ["x"], t());
      await take(q, w1, t(10), 1, 1_000);
      expect(await take(q, w2, t(1_009))).toEqual([]);
      const [again] = await take(q, w2, t(1_010), 1, 1_000);
      expect(again).toMatchObject({ id: m!.id, readCt: 2, consumerWorkerId: w2.id, dequeuedAt: t(10), vt: t(2_010) });
      expect(await b.archive({ ids: [m!.id], workerId: w1.id, now: t(1_020) })).toEqual([false]);
      expect(await b.extendVisibility({ ids: [m!.id], workerId: w1.id, now: t(1_020), extendMs: 10 })).toEqual([false]);
      expect(await b.deleteOwned({ ids: [m!.id], workerId: w1.id, now: t(1_020) })).toEqual([false]);
      expect(await b.archive({ ids: [m!.id], workerId: w2.id, now: t(1_020) })).toEqual([true]);
      expect((await b.getMessage(m!.id))?.archivedAt).toEqual(t(1_020));
    });

    it("never claims a message whose read_ct reached maxReadCt", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [m] = await put(q, ["poison"], t());
      for (let i = 1; i <= 2; i++) {
        const got = await b.dequeue({
          queueId: q.id,
          workerId: w.id,
          limit: 1,
          leaseMs: 10,
          now: t(i * 100),
          maxReadCt: 2,
        });
        expect(got.map((r) => r.readCt)).toEqual([i]);
      }
      expect(
        await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 10, now: t(1_000), maxReadCt: 2 }),
      ).toEqual([]);
      expect(
        (await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 10, now: t(1_000), maxReadCt: 3 }))[0]?.id,
      ).toBe(m!.id);
    });
  });

  describe("owner-checked operations", () => {
    async function setup() {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const other = await worker(q, t());
      const ms = await put(q, [1, 2, 3, 4], t());
      await take(q, w, t(), 2, 10_000);
      await take(q, other, t(), 1, 10_000);
      // ms[0], ms[1] held by w; ms[2] by other; ms[3] unleased.
      return { t, q, w, other, ids: ms.map((m) => m.id) };
    }

    it("archive: per-id booleans for owned, foreign, unleased, missing and archived ids", async () => {
      const { t, w, ids } = await setup();
      const [a, b2, c, d] = ids as [number, number, number, number];
      // A repeated id's later answers are backend-defined (first-only or all true); only the first is checked.
      const result = await b.archive({ ids: [a, c, d, 9_999_999, a], workerId: w.id, now: t(1) });
      expect(result.slice(0, 4)).toEqual([true, false, false, false]);
      expect(result).toHaveLength(5);
      expect(await b.archive({ ids: [a, b2], workerId: w.id, now: t(2) })).toEqual([false, true]);
      expect(await b.archive({ ids: [], workerId: w.id, now: t(2) })).toEqual([]);
    });

    it("deleteOwned deletes only owned, unarchived rows", async () => {
      const { t, w, ids } = await setup();
      const [a, b2, c] = ids as [number, number, number];
      await b.archive({ ids: [b2], workerId: w.id, now: t(1) });
      expect(await b.deleteOwned({ ids: [c, a, b2], workerId: w.id, now: t(1) })).toEqual([false, true, false]);
      expect(await b.getMessage(a)).toBeNull();
      expect(await b.getMessage(b2)).not.toBeNull();
    });

    it("extendVisibility sets vt = max(vt, now) + extendMs, with millisecond precision", async () => {
      const { t, w, ids } = await setup();
      const [a, b2, c] = ids as [number, number, number];
      expect(await b.extendVisibility({ ids: [a, c], workerId: w.id, now: t(1_000), extendMs: 1_234 })).toEqual([
        true,
        false,
      ]);
      expect((await b.getMessage(a))?.vt).toEqual(t(11_234));
      // An expired lease extends from now.
      expect(await b.extendVisibility({ ids: [b2], workerId: w.id, now: t(20_000), extendMs: 5 })).toEqual([true]);
      expect((await b.getMessage(b2))?.vt).toEqual(t(20_005));
      expect((await b.getMessage(c))?.vt).toEqual(t(10_000));
    });

    it("release clears the owner, sets vt and keeps read_ct", async () => {
      const { t, q, w, ids } = await setup();
      const [a, , c] = ids as [number, number, number];
      expect(await b.release({ ids: [a, c], workerId: w.id, now: t(1), visibleAt: t(500) })).toEqual([true, false]);
      expect(await b.getMessage(a)).toMatchObject({ consumerWorkerId: null, vt: t(500), readCt: 1, dequeuedAt: t() });
      const w3 = await worker(q, t());
      expect((await take(q, w3, t(499))).map((m) => m.id)).not.toContain(a);
      expect((await take(q, w3, t(500))).map((m) => m.id)).toContain(a);
    });

    it("releaseWorkerMessages releases the worker's unarchived messages and counts them", async () => {
      const { t, w, other, ids } = await setup();
      const [a, b2, c] = ids as [number, number, number];
      await b.archive({ ids: [a], workerId: w.id, now: t(1) });
      expect(await b.releaseWorkerMessages({ workerId: w.id, now: t(2) })).toBe(1);
      expect(await b.getMessage(b2)).toMatchObject({ consumerWorkerId: null, vt: t(2) });
      expect(await b.getMessage(a)).toMatchObject({ consumerWorkerId: w.id, archivedAt: t(1) });
      expect((await b.getMessage(c))?.consumerWorkerId).toBe(other.id);
    });
  });

  describe("message reads and admin", () => {
    it("getMessages orders by id and skips missing; list/count filter by state, queue and consumer", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [m1, m2, m3] = await put(q, ["a", "b", "c"], t());
      const [m4] = await put(q, ["d"], t(10));
      expect((await b.getMessages([m3!.id, 9_999_999, m1!.id])).map((m) => m.id)).toEqual([m1!.id, m3!.id]);
      expect(await b.getMessage(9_999_999)).toBeNull();
      await take(q, w, t(20), 2);
      await b.archive({ ids: [m2!.id], workerId: w.id, now: t(30) });
      await b.archive({ ids: [m1!.id], workerId: w.id, now: t(40) });
      const ids = async (p: Parameters<StoreBackend["listMessages"]>[0]) => (await b.listMessages(p)).map((m) => m.id);
      expect(await ids({ queueId: q.id })).toEqual([m4!.id, m3!.id]);
      expect(await ids({ queueId: q.id, state: "archived" })).toEqual([m1!.id, m2!.id]);
      expect(await ids({ queueId: q.id, state: "all" })).toEqual([m4!.id, m3!.id, m2!.id, m1!.id]);
      expect(await ids({ queueId: q.id, state: "all", limit: 2, offset: 1 })).toEqual([m3!.id, m2!.id]);
      expect(await ids({ queueId: q.id, state: "all", consumerWorkerId: w.id })).toEqual([m2!.id, m1!.id]);
      expect(await ids({ queueId: q.id, state: "dead" })).toEqual([]);
      expect(await b.countMessages({ queueId: q.id })).toBe(2);
      expect(await b.countMessages({ queueId: q.id, state: "archived" })).toBe(2);
      expect(await b.countMessages({ queueId: q.id, state: "all", consumerWorkerId: w.id })).toBe(2);
    });

    it("deleteMessages deletes unconditionally, with the runs of those messages", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const [m1, m2] = await put(q, [{ input: 1 }, { input: 2 }], t());
      const run = await b.getOrCreateRun({ message: m1!, now: t() });
      await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t() });
      expect(await b.deleteMessages({ ids: [m1!.id, 9_999_999, m2!.id] })).toEqual([true, false, true]);
      expect(await b.getRun(run.id)).toBeNull();
      expect(await b.getMessages([m1!.id, m2!.id])).toEqual([]);
    });

    it("deadLetter is per queue, skips live leases, and replay only takes that queue's dead letters", async () => {
      const t = clock();
      const q = await queue(t());
      const other = await queue(t());
      const w = await worker(q, t());
      const ow = await worker(other, t());
      const [expired, live, fresh, archived] = await put(q, ["expired", "live", "fresh", "archived"], t());
      const [foreign] = await put(other, ["foreign"], t());
      await b.dequeue({ queueId: q.id, workerId: w.id, limit: 4, leaseMs: 100, now: t(), maxReadCt: 5 });
      await b.dequeue({ queueId: other.id, workerId: ow.id, limit: 1, leaseMs: 100, now: t(), maxReadCt: 5 });
      await b.archive({ ids: [archived!.id], workerId: w.id, now: t(1) });
      await b.extendVisibility({ ids: [live!.id], workerId: w.id, now: t(1), extendMs: 10_000 });
      await b.release({ ids: [fresh!.id], workerId: w.id, now: t(1), visibleAt: t(1) });
      const dead = await b.deadLetter({ queueId: q.id, maxReadCt: 1, now: t(200) });
      expect(dead).toEqual({ ids: [expired!.id, fresh!.id].sort((x, y) => x - y), failedRuns: [] });
      expect(await b.getMessage(expired!.id)).toMatchObject({ archivedAt: t(200), deadLetteredAt: t(200) });
      expect(await b.getMessage(live!.id)).toMatchObject({ archivedAt: null, deadLetteredAt: null });
      expect((await b.getMessage(foreign!.id))?.archivedAt).toBeNull();
      expect(await b.countMessages({ queueId: q.id, state: "dead" })).toBe(2);
      expect(await b.replayDeadLetter({ queueId: other.id, id: expired!.id, now: t(300) })).toBeNull();
      expect(await b.replayDeadLetter({ queueId: q.id, id: archived!.id, now: t(300) })).toBeNull();
      const replayed = await b.replayDeadLetter({ queueId: q.id, id: expired!.id, now: t(300) });
      expect(replayed).toMatchObject({
        id: expired!.id,
        archivedAt: null,
        deadLetteredAt: null,
        readCt: 0,
        vt: t(300),
        enqueuedAt: t(300),
        consumerWorkerId: null,
        dequeuedAt: null,
      });
      expect((await take(q, w, t(300))).map((m) => m.id)).toEqual([expired!.id]);
    });
  });

  describe("workers", () => {
    it("registerWorker inserts ready, refuses active and suspended names, and resets a stopped one", async () => {
      const t = clock();
      const q = await queue(t());
      const q2 = await queue(t());
      const name = uniqueName("w");
      const w = await b.registerWorker({ name, queueId: q.id, now: t() });
      expect(w).toEqual({
        id: expect.any(Number),
        name,
        queueId: q.id,
        startedAt: t(),
        heartbeatAt: t(),
        shutdownAt: null,
        status: "ready",
      });
      const again = () => b.registerWorker({ name, queueId: q.id, now: t(1) });
      for (const status of ["ready", "polling", "interrupted"] as const) {
        await b.transitionWorker({ id: w.id, from: ["ready", "polling", "interrupted"], to: status, now: t() });
        expect(await messageOf(again)).toBe(
          `Validation failed: Worker ${name} is already active. Cannot register duplicate.`,
        );
      }
      await b.transitionWorker({ id: w.id, from: ["interrupted"], to: "suspended", now: t() });
      expect(await codeOf(again)).toBe("VALIDATION_FAILED");
      expect(await messageOf(again)).toBe(
        `Validation failed: Worker ${name} is suspended. Use resume() to reactivate.`,
      );
      await b.transitionWorker({ id: w.id, from: ["suspended"], to: "stopped", now: t(5) });
      const reset = await b.registerWorker({ name, queueId: q2.id, now: t(10) });
      expect(reset).toEqual({
        id: w.id,
        name,
        queueId: q2.id,
        startedAt: t(10),
        heartbeatAt: t(10),
        shutdownAt: null,
        status: "ready",
      });
      const admin = await worker(null, t());
      expect(admin.queueId).toBeNull();
    });

    it("transitionWorker is guarded and stamps shutdown_at on stop", async () => {
      const t = clock();
      const w = await worker(await queue(t()), t());
      expect(await b.transitionWorker({ id: w.id, from: ["polling"], to: "ready", now: t(1) })).toBeNull();
      expect(await b.transitionWorker({ id: 9_999_999, from: ["ready"], to: "polling", now: t(1) })).toBeNull();
      expect(
        (await b.transitionWorker({ id: w.id, from: ["ready", "polling"], to: "polling", now: t(1) }))?.status,
      ).toBe("polling");
      const stopped = await b.transitionWorker({ id: w.id, from: ["polling"], to: "stopped", now: t(2) });
      expect(stopped).toMatchObject({ status: "stopped", shutdownAt: t(2) });
      expect((await b.getWorker(w.id))?.status).toBe("stopped");
    });

    it("heartbeat, lookups, listings and counts", async () => {
      const t = clock();
      const q = await queue(t());
      const w1 = await worker(q, t(1));
      const w2 = await worker(q, t(2));
      const w3 = await worker(q, t(3));
      expect(await b.heartbeat({ id: w1.id, now: t(50) })).toBe(true);
      expect(await b.heartbeat({ id: 9_999_999, now: t(50) })).toBe(false);
      expect((await b.getWorker(w1.id))?.heartbeatAt).toEqual(t(50));
      expect(await b.heartbeatMany({ ids: [w2.id, 9_999_999, w3.id], now: t(60) })).toEqual([w2.id, w3.id]);
      expect((await b.getWorker(w3.id))?.heartbeatAt).toEqual(t(60));
      expect(await b.getWorkerByName(w2.name)).toEqual({ ...w2, heartbeatAt: t(60) });
      expect(await b.getWorkerByName(uniqueName("none"))).toBeNull();
      await b.transitionWorker({ id: w2.id, from: ["ready"], to: "suspended", now: t() });
      expect((await b.listWorkers({ queueId: q.id })).map((w) => w.id)).toEqual([w3.id, w2.id, w1.id]);
      expect((await b.listWorkers({ queueId: q.id, limit: 1, offset: 1 })).map((w) => w.id)).toEqual([w2.id]);
      expect((await b.listWorkers({ queueId: q.id, status: "suspended" })).map((w) => w.id)).toEqual([w2.id]);
      expect(await b.countWorkers({ queueId: q.id })).toBe(3);
      expect(await b.countWorkers({ queueId: q.id, status: "ready" })).toBe(2);
    });

    it("references, held messages and deleteWorker", async () => {
      const t = clock();
      const q = await queue(t());
      const producer = await worker(q, t());
      const consumer = await worker(q, t());
      const idle = await worker(q, t());
      await b.enqueue({
        queueId: q.id,
        payloads: ["1", "2", "3"],
        producerWorkerId: producer.id,
        enqueuedAt: t(),
        visibleAt: t(),
      });
      const got = await take(q, consumer, t(), 2);
      await b.archive({ ids: [got[0]!.id], workerId: consumer.id, now: t() });
      expect(await b.countWorkerReferences(producer.id)).toBe(3);
      expect(await b.countWorkerReferences(consumer.id)).toBe(2);
      expect(await b.countHeldMessages({ workerId: consumer.id })).toBe(1);
      expect(await b.countHeldMessages({ workerId: producer.id })).toBe(0);
      expect(await messageOf(() => b.deleteWorker(consumer.id))).toBe(
        "Validation failed: Worker has 2 references (associated messages/archives)",
      );
      expect(await b.deleteWorker(idle.id)).toBe(1);
      expect(await b.getWorker(idle.id)).toBeNull();
      expect(await b.deleteWorker(idle.id)).toBe(0);
    });

    it("lists zombies oldest first and reclaims them: messages released, workers stopped", async () => {
      const t = clock();
      const q = await queue(t());
      const old1 = await worker(q, t(10));
      const old2 = await worker(q, t(5));
      const fresh = await worker(q, t(1_000));
      const stoppedOld = await worker(q, t(1));
      await b.transitionWorker({ id: stoppedOld.id, from: ["ready"], to: "stopped", now: t(1) });
      const [m1, m2, m3] = await put(q, ["a", "b", "c"], t());
      await take(q, old1, t(20), 1);
      await take(q, fresh, t(20), 1);
      await take(q, old2, t(20), 1);
      await b.archive({ ids: [m3!.id], workerId: old2.id, now: t(21) });
      const zombies = await b.listZombies({ queueId: q.id, olderThan: t(500) });
      expect(zombies.map((w) => w.id)).toEqual([old2.id, old1.id]);
      const result = await b.reclaimZombies({ queueId: q.id, olderThan: t(500), now: t(600) });
      expect(result.released).toBe(1);
      expect([...result.workers].sort((x, y) => x - y)).toEqual([old1.id, old2.id].sort((x, y) => x - y));
      expect(await b.getMessage(m1!.id)).toMatchObject({ consumerWorkerId: null, vt: t(600), readCt: 1 });
      expect((await b.getMessage(m2!.id))?.consumerWorkerId).toBe(fresh.id);
      expect((await b.getMessage(m3!.id))?.consumerWorkerId).toBe(old2.id);
      expect(await b.getWorker(old1.id)).toMatchObject({ status: "stopped", shutdownAt: t(600) });
      expect((await b.getWorker(fresh.id))?.status).toBe("ready");
      expect(await b.listZombies({ queueId: q.id, olderThan: t(500) })).toEqual([]);
    });

    it("purgeOldWorkers deletes old stopped workers that no message references", async () => {
      const past = (ms: number) => new Date(Date.parse("2020-01-01T00:00:00.000Z") + ms);
      const q = await queue(past(0));
      const unreferenced = await worker(q, past(0));
      const referenced = await worker(q, past(0));
      const recent = await worker(q, past(0));
      const running = await worker(q, past(0));
      await b.enqueue({
        queueId: q.id,
        payloads: ["1"],
        producerWorkerId: referenced.id,
        enqueuedAt: past(0),
        visibleAt: past(0),
      });
      for (const w of [unreferenced, referenced, recent]) {
        await b.transitionWorker({ id: w.id, from: ["ready"], to: "stopped", now: past(1) });
      }
      await b.heartbeat({ id: recent.id, now: past(10_000) });
      expect(await b.purgeOldWorkers({ olderThan: past(5_000) })).toBe(1);
      expect(await b.getWorker(unreferenced.id)).toBeNull();
      for (const w of [referenced, recent, running]) expect(await b.getWorker(w.id)).not.toBeNull();
    });
  });

  describe("stats", () => {
    it("queueMetrics partitions unarchived messages into pending, delayed and leased", async () => {
      const t = clock();
      const q = await queue(t());
      const empty = await queue(t());
      const w = await worker(q, t());
      const max = 2;
      const [dead, poison] = await put(q, ["dead", "poison"], t(5));
      const [expired, released, leased, archived] = await put(q, ["e", "r", "l", "a"], t(10));
      await put(q, ["delayed"], t(20), t(1_000_000));
      const all6 = await b.dequeue({
        queueId: q.id,
        workerId: w.id,
        limit: 10,
        leaseMs: 100,
        now: t(100),
        maxReadCt: max,
      });
      expect(all6).toHaveLength(6);
      await b.archive({ ids: [archived!.id], workerId: w.id, now: t(110) });
      await b.release({ ids: [released!.id], workerId: w.id, now: t(110), visibleAt: t(110) });
      await b.extendVisibility({ ids: [leased!.id], workerId: w.id, now: t(110), extendMs: 1_000_000 });
      await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1, now: t(300), maxReadCt: max });
      expect(await b.deadLetter({ queueId: q.id, maxReadCt: max, now: t(350) })).toEqual({
        ids: [dead!.id],
        failedRuns: [],
      });
      await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1, now: t(360), maxReadCt: max });
      expect((await b.getMessage(poison!.id))?.readCt).toBe(2);
      const now = t(500);
      const [m] = await b.queueMetrics({ queueId: q.id, now, maxReadCt: max });
      expect(m).toEqual({
        name: q.queueName,
        queueId: q.id,
        totalMessages: 7, // the active ones and the two archived
        activeMessages: 5, // expired, released, leased, poison (awaiting dead letter), delayed
        pendingMessages: 2, // expired (its lease ended) and released
        delayedMessages: 1,
        leasedMessages: 1,
        lockedMessages: 1,
        archivedMessages: 2,
        deadLetteredMessages: 1,
        oldestPendingMessage: expired!.enqueuedAt,
        oldestPendingAgeMs: 490,
        newestMessage: t(20),
      });
      const all = await b.queueMetrics({ now, maxReadCt: max });
      const names = all.map((r) => r.name);
      expect(names).toEqual([...names].sort());
      expect(all.find((r) => r.queueId === empty.id)).toMatchObject({
        totalMessages: 0,
        activeMessages: 0,
        pendingMessages: 0,
        archivedMessages: 0,
        oldestPendingMessage: null,
        oldestPendingAgeMs: 0,
        newestMessage: null,
      });
    });

    it("systemStats counts queues, workers, messages, workflows and runs", async () => {
      const t = clock();
      const now = t(100);
      const before = await b.systemStats({ now, maxReadCt: 5 });
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const w = await worker(q, t());
      const w2 = await worker(q, t());
      await b.transitionWorker({ id: w2.id, from: ["ready"], to: "suspended", now: t() });
      const [m] = await put(q, [{ input: 1 }, { input: 2 }, { input: 3 }], t());
      await take(q, w, t(), 1);
      await b.archive({ ids: [m!.id], workerId: w.id, now: t() });
      await take(q, w, t(), 1);
      await b.getOrCreateRun({ message: m!, now: t() });
      const after = await b.systemStats({ now, maxReadCt: 5 });
      expect(after.totalQueues - before.totalQueues).toBe(1);
      expect(after.totalWorkers - before.totalWorkers).toBe(2);
      expect(after.activeWorkers - before.activeWorkers).toBe(1);
      expect(after.totalMessages - before.totalMessages).toBe(2);
      expect(after.pendingMessages - before.pendingMessages).toBe(1);
      expect(after.leasedMessages - before.leasedMessages).toBe(1);
      expect(after.lockedMessages).toBe(after.leasedMessages);
      expect(after.archivedMessages - before.archivedMessages).toBe(1);
      expect(after.totalWorkflows - before.totalWorkflows).toBe(1);
      expect(after.totalRuns - before.totalRuns).toBe(1);
      expect(after.schemaVersion).not.toBe("");
    });

    it("workerHealthStats: one Global row, or one row per queue with admin workers under Admin", async () => {
      const t = clock();
      const q = await queue(t());
      const stale = t(1_000);
      const global0 = await b.workerHealthStats({ staleBefore: stale, groupByQueue: false });
      const grouped0 = await b.workerHealthStats({ staleBefore: stale, groupByQueue: true });
      const admin0 = grouped0.find((r) => r.queueName === "Admin")?.totalWorkers ?? 0;
      const ready = await worker(q, t());
      const polling = await worker(q, t());
      await b.transitionWorker({ id: polling.id, from: ["ready"], to: "polling", now: t() });
      await b.heartbeat({ id: polling.id, now: t(2_000) });
      const suspended = await worker(q, t());
      await b.transitionWorker({ id: suspended.id, from: ["ready"], to: "suspended", now: t() });
      await worker(null, t());
      expect(ready.status).toBe("ready");
      const global = await b.workerHealthStats({ staleBefore: stale, groupByQueue: false });
      expect(global).toHaveLength(1);
      expect(global[0]?.queueName).toBe("Global");
      expect(global[0]!.totalWorkers - global0[0]!.totalWorkers).toBe(4);
      const grouped = await b.workerHealthStats({ staleBefore: stale, groupByQueue: true });
      expect(grouped.find((r) => r.queueName === q.queueName)).toEqual({
        queueName: q.queueName,
        totalWorkers: 3,
        readyWorkers: 1,
        pollingWorkers: 1,
        interruptedWorkers: 0,
        suspendedWorkers: 1,
        stoppedWorkers: 0,
        staleWorkers: 1,
      });
      expect(grouped.find((r) => r.queueName === "Admin")?.totalWorkers).toBe(admin0 + 1);
    });
  });

  describe("workflows and runs", () => {
    it("createWorkflow is idempotent, creates or reuses the queue of that name", async () => {
      const t = clock();
      const name = uniqueName("wf");
      const wf = await b.createWorkflow({ name, now: t() });
      expect(wf).toEqual({ id: expect.any(Number), name, queueId: expect.any(Number), createdAt: t() });
      expect((await b.getQueueById(wf.queueId))?.queueName).toBe(name);
      expect(await b.createWorkflow({ name, now: t(5) })).toEqual(wf);
      expect(await b.getWorkflowByName(name)).toEqual(wf);
      expect(await b.getWorkflowById(wf.id)).toEqual(wf);
      expect(await b.getWorkflowByName(uniqueName("none"))).toBeNull();
      expect((await b.listWorkflows()).map((r) => r.id)).toContain(wf.id);
      const q = await queue(t());
      expect((await b.createWorkflow({ name: q.queueName, now: t() })).queueId).toBe(q.id);
    });

    it("getOrCreateRun creates one QUEUED run per message, input = payload; WORKFLOW_NOT_FOUND on a plain queue", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const [m1, m2] = await put(q, [{ input: { id: 1 } }, { input: 2 }], t());
      const run = await b.getOrCreateRun({ message: m1!, now: t(1) });
      expect(run).toEqual({
        id: expect.any(Number),
        workflowId: wf.id,
        messageId: m1!.id,
        status: "QUEUED",
        input: { input: { id: 1 } },
        output: null,
        error: null,
        createdAt: t(1),
        updatedAt: t(1),
        startedAt: null,
        pausedAt: null,
        completedAt: null,
        workerId: null,
        attempts: 0,
        parentRunId: null,
        forkedFromRunId: null,
        waitingFor: null,
        version: null,
      });
      expect(await b.getOrCreateRun({ message: m1!, now: t(2) })).toEqual(run);
      const [r2, r2again] = await Promise.all([
        b.getOrCreateRun({ message: m2!, now: t(3) }),
        b.getOrCreateRun({ message: m2!, now: t(3) }),
      ]);
      expect(r2.id).toBe(r2again.id);
      expect(await b.getRun(run.id)).toEqual(run);
      expect(await b.getRunByMessageId(m1!.id)).toEqual(run);
      expect(await b.getRun(9_999_999)).toBeNull();
      expect(await b.getRunByMessageId(9_999_999)).toBeNull();
      expect((await b.listRuns({ workflowId: wf.id })).map((r) => r.id)).toEqual([r2.id, run.id]);
      expect(await b.countRuns({ workflowId: wf.id, status: "QUEUED" })).toBe(2);
      const plain = await queue(t());
      const [pm] = await put(plain, [{ input: 1 }], t());
      expect(await codeOf(() => b.getOrCreateRun({ message: pm!, now: t() }))).toBe("WORKFLOW_NOT_FOUND");
    });

    it("transitionRun is guarded and stamps started/paused/completed times and output/error", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const [m] = await put((await b.getQueueById(wf.queueId))!, [{ input: 1 }], t());
      const run = await b.getOrCreateRun({ message: m!, now: t() });
      expect(await b.transitionRun({ id: run.id, from: ["RUNNING"], to: "SUCCESS", now: t(1) })).toBeNull();
      expect(await b.transitionRun({ id: 9_999_999, from: ["QUEUED"], to: "RUNNING", now: t(1) })).toBeNull();
      const started = await b.transitionRun({ id: run.id, from: ["QUEUED", "PAUSED"], to: "RUNNING", now: t(10) });
      expect(started).toMatchObject({ status: "RUNNING", startedAt: t(10), updatedAt: t(10), completedAt: null });
      const paused = await b.transitionRun({
        id: run.id,
        from: ["RUNNING"],
        to: "PAUSED",
        now: t(20),
        error: '{"message":"wait"}',
      });
      expect(paused).toMatchObject({ status: "PAUSED", pausedAt: t(20), error: { message: "wait" } });
      const resumed = await b.transitionRun({ id: run.id, from: ["PAUSED"], to: "RUNNING", now: t(30) });
      expect(resumed).toMatchObject({ startedAt: t(10), pausedAt: t(20), error: { message: "wait" } });
      const done = await b.transitionRun({
        id: run.id,
        from: ["RUNNING"],
        to: "SUCCESS",
        now: t(40),
        output: '{"ok":true}',
        error: null,
      });
      expect(done).toMatchObject({
        status: "SUCCESS",
        output: { ok: true },
        error: null,
        completedAt: t(40),
        updatedAt: t(40),
      });
      expect(
        await b.transitionRun({ id: run.id, from: ["RUNNING", "PAUSED", "QUEUED"], to: "ERROR", now: t(50) }),
      ).toBeNull();
      expect((await b.listRuns({ status: "SUCCESS", workflowId: wf.id })).map((r) => r.id)).toEqual([run.id]);
    });
  });

  describe("steps", () => {
    async function runOf(t: (ms?: number) => Date) {
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const [m] = await put((await b.getQueueById(wf.queueId))!, [{ input: 1 }], t());
      return b.getOrCreateRun({ message: m!, now: t() });
    }

    it("acquire inserts RUNNING, re-acquires a RUNNING attempt of another delivery, replays SUCCESS unchanged", async () => {
      const t = clock();
      const run = await runOf(t);
      const first = await b.acquireStep({ owner: "d1", runId: run.id, stepName: "a", now: t(1) });
      expect(first.acquired).toBe(true);
      expect(first.step).toMatchObject({
        runId: run.id,
        stepName: "a",
        status: "RUNNING",
        retryCount: 0,
        startedAt: t(1),
        retryAt: null,
      });
      // Same delivery: the attempt is live, not crashed.
      expect(await b.acquireStep({ owner: "d1", runId: run.id, stepName: "a", now: t(1) })).toEqual({
        acquired: false,
        step: first.step,
      });
      // Another delivery (the first crashed or lost its lease) takes the RUNNING step over.
      const crashed = await b.acquireStep({ owner: "d2", runId: run.id, stepName: "a", now: t(2) });
      expect(crashed).toMatchObject({
        acquired: true,
        step: { id: first.step.id, status: "RUNNING", startedAt: t(2) },
      });
      const done = await b.completeStep({ runId: run.id, stepName: "a", now: t(3), output: "null" });
      expect(done).toMatchObject({ status: "SUCCESS", output: null, completedAt: t(3) });
      const replay = await b.acquireStep({ owner: "d1", runId: run.id, stepName: "a", now: t(4) });
      expect(replay.acquired).toBe(false);
      expect(replay.step).toEqual(done);
      const withOutput = await b.acquireStep({ owner: "d1", runId: run.id, stepName: "b", now: t(5) });
      await b.completeStep({ runId: run.id, stepName: "b", now: t(6), output: '{"v":[1,2]}' });
      expect((await b.acquireStep({ owner: "d1", runId: run.id, stepName: "b", now: t(7) })).step.output).toEqual({
        v: [1, 2],
      });
      expect((await b.listSteps({ runId: run.id })).map((s) => s.stepName)).toEqual(["a", "b"]);
      expect(withOutput.acquired).toBe(true);
    });

    it("an ERROR step waits for retry_at, then one acquire takes it, keeping retry_count", async () => {
      const t = clock();
      const run = await runOf(t);
      await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t(1) });
      const failed = await b.failStep({
        runId: run.id,
        stepName: "s",
        now: t(2),
        error: '{"m":"boom"}',
        retryAt: t(1_000),
        retryCount: 1,
      });
      expect(failed).toMatchObject({
        status: "ERROR",
        error: { m: "boom" },
        retryAt: t(1_000),
        retryCount: 1,
        completedAt: t(2),
      });
      const early = await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t(999) });
      expect(early.acquired).toBe(false);
      expect(early.step).toEqual(failed);
      const racers = await Promise.all([
        b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t(1_000) }),
        b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t(1_000) }),
      ]);
      expect(racers.filter((r) => r.acquired)).toHaveLength(1);
      const winner = racers.find((r) => r.acquired)!;
      const loser = racers.find((r) => !r.acquired)!;
      expect(loser.step).toEqual(winner.step);
      expect(winner.step).toMatchObject({
        status: "RUNNING",
        retryAt: null,
        error: null,
        retryCount: 1,
        startedAt: t(1_000),
      });
      expect(await b.getStep({ runId: run.id, stepName: "s" })).toEqual(winner.step);
    });

    it("a permanently failed step stays ERROR on acquire", async () => {
      const t = clock();
      const run = await runOf(t);
      await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t(1) });
      const failed = await b.failStep({
        runId: run.id,
        stepName: "s",
        now: t(2),
        error: '"fatal"',
        retryAt: null,
        retryCount: 3,
      });
      const again = await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t(1_000_000) });
      expect(again).toEqual({ acquired: false, step: failed });
      expect(await b.getStep({ runId: run.id, stepName: "missing" })).toBeNull();
    });
  });
});

describe("SQLite backend specifics", () => {
  function open(path = freshSqlitePath(), extra: { useWal?: boolean; busyTimeoutMs?: number } = {}): StoreBackend {
    return createSqliteBackend({ path, useWal: extra.useWal ?? true, busyTimeoutMs: extra.busyTimeoutMs ?? 1_000 });
  }

  function tables(path: string): string[] {
    const raw = new Database(path);
    try {
      const rows = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
      return (rows as { name: string }[]).map((r) => r.name);
    } finally {
      raw.close();
    }
  }

  const now = new Date("2026-03-01T12:34:56.789Z");

  it("verify reports a missing schema with SCHEMA_VALIDATION and writes nothing", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    expect(await codeOf(() => b.verify())).toBe("SCHEMA_VALIDATION");
    expect(await messageOf(() => b.verify())).toContain("('pgqrs_queues') does not exist");
    await b.close();
    expect(tables(path)).toEqual([]);
  });

  it("verify finds references written behind the foreign keys' back", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    await b.install();
    const q = await b.createQueue({ name: "orphans", now });
    await b.enqueue({ queueId: q.id, payloads: ["1"], producerWorkerId: null, enqueuedAt: now, visibleAt: now });
    const raw = new Database(path);
    raw.pragma("foreign_keys = OFF");
    raw.prepare("DELETE FROM pgqrs_queues WHERE id = ?").run(q.id);
    raw.close();
    expect(await messageOf(() => b.verify())).toBe(
      "Schema validation failed: Found 1 messages with invalid queue_id references",
    );
    await b.close();
  });

  it("install is idempotent across backends on one file and records each migration once", async () => {
    const path = freshSqlitePath();
    const first = open(path, { useWal: false });
    const second = open(path, { useWal: false });
    await Promise.all([first.install(), second.install()]);
    await first.install();
    const raw = new Database(path);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("delete");
    const recorded = raw.prepare("SELECT version, name FROM pgqrs_migrations ORDER BY version").all() as {
      version: number;
    }[];
    expect(recorded).toEqual(
      expect.arrayContaining([
        { version: 1, name: "initial" },
        { version: 2, name: "step_attempt_owner" },
        { version: 4, name: "background_heartbeat_marker" },
      ]),
    );
    expect(new Set(recorded.map((r) => r.version)).size).toBe(recorded.length);
    raw.prepare("INSERT INTO pgqrs_migrations (version, name, applied_at) VALUES (999, 'future', 'x')").run();
    raw.close();
    expect(await codeOf(() => first.install())).toBe("SCHEMA_VALIDATION");
    await Promise.all([first.close(), second.close()]);
  });

  it("close is idempotent and every method then rejects with STORE_CLOSED", async () => {
    const b = open();
    await b.install();
    await b.close();
    await b.close();
    expect(await codeOf(() => b.listQueues())).toBe("STORE_CLOSED");
    expect(await codeOf(() => b.install())).toBe("STORE_CLOSED");
    expect(await codeOf(() => b.archive({ ids: [], workerId: 1, now }))).toBe("STORE_CLOSED");
    expect(
      await codeOf(() =>
        b.enqueue({ queueId: 1, payloads: [], producerWorkerId: null, enqueuedAt: now, visibleAt: now }),
      ),
    ).toBe("STORE_CLOSED");
  });

  it("a write lock held by another connection surfaces as BUSY once busy_timeout passes", async () => {
    const path = freshSqlitePath();
    const b = open(path, { busyTimeoutMs: 0 });
    await b.install();
    const raw = new Database(path);
    raw.exec("BEGIN IMMEDIATE");
    expect(await codeOf(() => b.createQueue({ name: "busy", now }))).toBe("BUSY");
    raw.exec("ROLLBACK");
    raw.close();
    expect((await b.createQueue({ name: "busy", now })).queueName).toBe("busy");
    await b.close();
  });

  it("stores fixed-width millisecond timestamps and reads SQLite's own datetime('now') form", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    await b.install();
    const q = await b.createQueue({ name: "times", now });
    const [m] = await b.enqueue({
      queueId: q.id,
      payloads: ["1"],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    const raw = new Database(path);
    expect(raw.prepare("SELECT vt FROM pgqrs_messages WHERE id = ?").get(m!.id)).toEqual({
      vt: "2026-03-01 12:34:56.789000",
    });
    raw.prepare("INSERT INTO pgqrs_queues (queue_name) VALUES ('defaulted')").run();
    raw.close();
    const defaulted = await b.getQueueByName("defaulted");
    expect(defaulted?.createdAt.getUTCMilliseconds()).toBe(0);
    expect(Math.abs(Date.now() - defaulted!.createdAt.getTime())).toBeLessThan(60_000);
    await b.close();
  });
});
