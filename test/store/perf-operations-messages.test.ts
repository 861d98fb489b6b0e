/**
 * The backend operations added for the hot paths of messages (src/store/store.ts): `archiveAndDequeue` and, on
 * backends with `listenNotify`, `listen` (other stores' enqueues only). Run against SQLite always and Postgres when
 * PGQRS_TEST_DSN is set; one fresh database per backend for the file. The runs' operations:
 * perf-operations-runs.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueRecord, WorkerRecord } from "../../src/types.js";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";

describeEachBackend("hot-path operations: $name", ({ factory, b }) => {
  async function setup(at: Date): Promise<{ q: QueueRecord; w: WorkerRecord; other: WorkerRecord }> {
    const q = await b.createQueue({ name: uniqueName("q"), now: at });
    const w = await b.registerWorker({ name: uniqueName("w"), queueId: q.id, now: at });
    const other = await b.registerWorker({ name: uniqueName("w"), queueId: q.id, now: at });
    return { q, w, other };
  }

  async function put(q: QueueRecord, n: number, at: Date) {
    const payloads = Array.from({ length: n }, (_, i) => JSON.stringify({ i }));
    return b.enqueue({ queueId: q.id, payloads, producerWorkerId: null, enqueuedAt: at, visibleAt: at });
  }

  function claimArgs(q: QueueRecord, w: WorkerRecord, now: Date, limit: number, archiveIds: readonly number[]) {
    return { queueId: q.id, workerId: w.id, limit, leaseMs: 30_000, now, maxReadCt: 5, archiveIds };
  }

  describe("archiveAndDequeue", () => {
    it("archives the held messages and claims the next ones, oldest first, in one call", async () => {
      const t = clock();
      const { q, w } = await setup(t());
      const msgs = await put(q, 5, t());
      const first = await b.dequeue({
        queueId: q.id,
        workerId: w.id,
        limit: 2,
        leaseMs: 30_000,
        now: t(1),
        maxReadCt: 5,
      });
      expect(first.map((m) => m.id)).toEqual([msgs[0]!.id, msgs[1]!.id]);

      const r = await b.archiveAndDequeue(
        claimArgs(
          q,
          w,
          t(2),
          2,
          first.map((m) => m.id),
        ),
      );
      expect(r.archived).toEqual([true, true]);
      expect(r.messages.map((m) => m.id)).toEqual([msgs[2]!.id, msgs[3]!.id]);
      expect(r.messages.every((m) => m.consumerWorkerId === w.id && m.readCt === 1)).toBe(true);
      expect(r.messages[0]!.vt).toEqual(t(30_002));
      expect(r.messages[0]!.dequeuedAt).toEqual(t(2));
      const archived = await b.getMessages(first.map((m) => m.id));
      expect(archived.map((m) => m.archivedAt)).toEqual([t(2), t(2)]);
    });

    it("answers per id: messages not held by the worker are not archived", async () => {
      const t = clock();
      const { q, w, other } = await setup(t());
      const msgs = await put(q, 3, t());
      const [mine] = await b.dequeue({
        queueId: q.id,
        workerId: w.id,
        limit: 1,
        leaseMs: 30_000,
        now: t(1),
        maxReadCt: 5,
      });
      const [theirs] = await b.dequeue({
        queueId: q.id,
        workerId: other.id,
        limit: 1,
        leaseMs: 30_000,
        now: t(1),
        maxReadCt: 5,
      });
      const r = await b.archiveAndDequeue(claimArgs(q, w, t(2), 5, [mine!.id, theirs!.id, 999_999_999]));
      expect(r.archived).toEqual([true, false, false]);
      expect(r.messages.map((m) => m.id)).toEqual([msgs[2]!.id]);
      expect((await b.getMessage(theirs!.id))?.archivedAt).toBeNull();
    });

    it("never claims one of the ids it archives, even when its own lease on it expired", async () => {
      const t = clock();
      const { q, w } = await setup(t());
      await put(q, 1, t());
      const [m] = await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1_000, now: t(1), maxReadCt: 5 });
      // The lease ended at t(1001); at t(5000) the row is claimable again, yet it is the one being archived.
      const r = await b.archiveAndDequeue(claimArgs(q, w, t(5_000), 1, [m!.id]));
      expect(r.archived).toEqual([true]);
      expect(r.messages).toEqual([]);
      expect((await b.getMessage(m!.id))?.archivedAt).toEqual(t(5_000));
    });

    it("works as a plain claim with no ids and as a plain archive with limit 0", async () => {
      const t = clock();
      const { q, w } = await setup(t());
      const msgs = await put(q, 2, t());
      const claimed = await b.archiveAndDequeue(claimArgs(q, w, t(1), 1, []));
      expect(claimed).toEqual({ archived: [], messages: [expect.objectContaining({ id: msgs[0]!.id })] });
      const acked = await b.archiveAndDequeue(claimArgs(q, w, t(2), 0, [msgs[0]!.id]));
      expect(acked).toEqual({ archived: [true], messages: [] });
      expect((await b.getMessage(msgs[1]!.id))?.consumerWorkerId).toBeNull();
    });

    it("respects visibility and the read-count limit like dequeue", async () => {
      const t = clock();
      const { q, w } = await setup(t());
      await b.enqueue({
        queueId: q.id,
        payloads: ["1"],
        producerWorkerId: null,
        enqueuedAt: t(),
        visibleAt: t(60_000),
      });
      const r = await b.archiveAndDequeue({ ...claimArgs(q, w, t(1), 5, []), maxReadCt: 5 });
      expect(r.messages).toEqual([]);
      const later = await b.archiveAndDequeue({ ...claimArgs(q, w, t(60_000), 5, []), maxReadCt: 0 });
      expect(later.messages).toEqual([]);
    });
  });

  describe("listen", () => {
    it("is offered exactly when the backend says it can notify", () => {
      expect(b.listen !== undefined).toBe(b.capabilities.listenNotify);
    });

    it("calls back on another store's enqueue to the queue, not on other queues nor its own, until stopped", async () => {
      if (b.listen === undefined) {
        // SQLite serves one process: there is nobody to notify, and it says so.
        expect(factory.name).toBe("sqlite");
        expect(b.capabilities.listenNotify).toBe(false);
        return;
      }
      // Two stores on one schema: the listener's and another process's.
      const schema = uniqueName("listen");
      const open = () =>
        createPostgresBackend({
          connectionString: postgresDsn(),
          schema,
          maxConnections: 2,
          connectionTimeoutMs: 5_000,
        });
      const mine = await open();
      const theirs = await open();
      try {
        await mine.install();
        const t = clock();
        const q = await mine.createQueue({ name: "listened", now: t() });
        const other = await mine.createQueue({ name: "other", now: t() });
        const put = (by: StoreBackend, queue: QueueRecord, n: number) =>
          by.enqueue({
            queueId: queue.id,
            payloads: Array.from({ length: n }, (_, i) => JSON.stringify({ i })),
            producerWorkerId: null,
            enqueuedAt: t(),
            visibleAt: t(),
          });
        let calls = 0;
        // listen() resolves once the connection listens; a first connection wakes no one (every subscriber claims
        // after subscribing anyway).
        const stop = await mine.listen!({
          queueId: q.id,
          onNotify: () => {
            calls += 1;
          },
        });
        await put(theirs, other, 3);
        // Its own enqueues wake its consumers in-process (the engine does that), so the listener skips them.
        await put(mine, q, 2);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(calls).toBe(0);
        await put(theirs, q, 2);
        await expect.poll(() => calls, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
        const seen = calls;
        await stop();
        await put(theirs, q, 1);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(calls).toBe(seen);
      } finally {
        await mine.close();
        await theirs.close();
        await dropSchema(schema);
      }
    });
  });
});
