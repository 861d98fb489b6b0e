/**
 * The backend operations added for the hot paths (src/store/store.ts): `archiveAndDequeue`,
 * `completeRunAndArchive` and, on backends with `listenNotify`, `listen` (other stores' enqueues only). Run against SQLite always and Postgres
 * when PGQRS_TEST_DSN is set; one fresh database per backend for the file.
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

  /** A new workflow's trigger message with `payload`, claimed at `at` by a worker `w` of its queue. */
  async function claimedTrigger(at: Date, payload: string) {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: at });
    const w = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: at });
    await b.enqueue({
      queueId: wf.queueId,
      payloads: [payload],
      producerWorkerId: null,
      enqueuedAt: at,
      visibleAt: at,
    });
    const [m] = await b.dequeue({
      queueId: wf.queueId,
      workerId: w.id,
      limit: 1,
      leaseMs: 30_000,
      now: at,
      maxReadCt: 5,
    });
    return { w, m: m! };
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

  describe("completeRunAndArchive", () => {
    async function runOf(at: Date) {
      const { w, m } = await claimedTrigger(at, '{"input":1}');
      const run = await b.getOrCreateRun({ message: m, now: at });
      await b.transitionRun({ id: run.id, from: ["QUEUED"], to: "RUNNING", now: at });
      return { w, m, run };
    }

    it("finishes the run and archives its message together", async () => {
      const t = clock();
      const { w, m, run } = await runOf(t());
      const r = await b.completeRunAndArchive({
        id: run.id,
        from: ["RUNNING"],
        to: "SUCCESS",
        now: t(5),
        output: '{"ok":true}',
        messageId: m.id,
        workerId: w.id,
      });
      expect(r.archived).toBe(true);
      expect(r.run).toMatchObject({ id: run.id, status: "SUCCESS", output: { ok: true }, completedAt: t(5) });
      expect((await b.getMessage(m.id))?.archivedAt).toEqual(t(5));
    });

    it("archives nothing when the transition does not apply", async () => {
      const t = clock();
      const { w, m, run } = await runOf(t());
      await b.transitionRun({ id: run.id, from: ["RUNNING"], to: "CANCELLED", now: t(1) });
      const r = await b.completeRunAndArchive({
        id: run.id,
        from: ["QUEUED", "RUNNING"],
        to: "ERROR",
        now: t(5),
        error: '{"message":"x"}',
        messageId: m.id,
        workerId: w.id,
      });
      expect(r).toEqual({ run: null, archived: false });
      expect((await b.getMessage(m.id))?.archivedAt).toBeNull();
    });

    it("finishes the run but leaves a message the worker no longer holds", async () => {
      const t = clock();
      const { m, run } = await runOf(t());
      const stranger = await b.registerWorker({ name: uniqueName("w"), queueId: m.queueId, now: t() });
      const r = await b.completeRunAndArchive({
        id: run.id,
        from: ["RUNNING"],
        to: "SUCCESS",
        now: t(5),
        output: "1",
        messageId: m.id,
        workerId: stranger.id,
      });
      expect(r.run?.status).toBe("SUCCESS");
      expect(r.archived).toBe(false);
      expect((await b.getMessage(m.id))?.archivedAt).toBeNull();
    });
  });

  describe("startRun and acquireStepOfRun", () => {
    async function trigger(at: Date) {
      return (await claimedTrigger(at, '{"input":7}')).m;
    }

    it("startRun creates the run RUNNING, keeps started_at on a second delivery, and leaves other states alone", async () => {
      const t = clock();
      const m = await trigger(t());
      const run = await b.startRun({ message: m, now: t(1) });
      expect(run).toMatchObject({ messageId: m.id, status: "RUNNING", startedAt: t(1), input: { input: 7 } });
      const again = await b.startRun({ message: m, now: t(2) });
      expect(again).toMatchObject({ id: run.id, status: "RUNNING", startedAt: t(1) });
      await b.transitionRun({ id: run.id, from: ["RUNNING"], to: "PAUSED", now: t(3) });
      expect(await b.startRun({ message: m, now: t(4) })).toMatchObject({ status: "RUNNING", startedAt: t(1) });
      await b.transitionRun({ id: run.id, from: ["RUNNING"], to: "CANCELLING", now: t(5) });
      expect(await b.startRun({ message: m, now: t(6) })).toMatchObject({ status: "CANCELLING" });
    });

    it("startRun reports a queue without a workflow like getOrCreateRun", async () => {
      const t = clock();
      const q = await b.createQueue({ name: uniqueName("q"), now: t() });
      const w = await b.registerWorker({ name: uniqueName("w"), queueId: q.id, now: t() });
      await b.enqueue({ queueId: q.id, payloads: ["1"], producerWorkerId: null, enqueuedAt: t(), visibleAt: t() });
      const [m] = await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 30_000, now: t(), maxReadCt: 5 });
      await expect(b.startRun({ message: m!, now: t() })).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
    });

    it("acquireStepOfRun acquires on a live run and reports the run's status", async () => {
      const t = clock();
      const run = await b.startRun({ message: await trigger(t()), now: t() });
      const first = await b.acquireStepOfRun({ runId: run.id, stepName: "a", now: t(1), owner: "d1" });
      expect(first).toMatchObject({ runStatus: "RUNNING", acquired: true, step: { stepName: "a", status: "RUNNING" } });
      const same = await b.acquireStepOfRun({ runId: run.id, stepName: "a", now: t(2), owner: "d1" });
      expect(same).toMatchObject({ runStatus: "RUNNING", acquired: false, step: { status: "RUNNING" } });
      await b.completeStep({ runId: run.id, stepName: "a", now: t(3), output: "1" });
      const done = await b.acquireStepOfRun({ runId: run.id, stepName: "a", now: t(4), owner: "d2" });
      expect(done).toMatchObject({ acquired: false, step: { status: "SUCCESS", output: 1 } });
    });

    it("acquireStepOfRun acquires nothing on a run being cancelled, and says when the run is missing", async () => {
      const t = clock();
      const run = await b.startRun({ message: await trigger(t()), now: t() });
      await b.acquireStepOfRun({ runId: run.id, stepName: "a", now: t(1), owner: "d1" });
      await b.transitionRun({ id: run.id, from: ["RUNNING"], to: "CANCELLING", now: t(2) });
      expect(await b.acquireStepOfRun({ runId: run.id, stepName: "b", now: t(3), owner: "d1" })).toEqual({
        runStatus: "CANCELLING",
        step: null,
        acquired: false,
      });
      const existing = await b.acquireStepOfRun({ runId: run.id, stepName: "a", now: t(3), owner: "d2" });
      expect(existing).toMatchObject({ runStatus: "CANCELLING", acquired: false, step: { status: "RUNNING" } });
      expect(await b.getStep({ runId: run.id, stepName: "b" })).toBeNull();
      expect(await b.acquireStepOfRun({ runId: 999_999_999, stepName: "a", now: t(), owner: "d1" })).toEqual({
        runStatus: null,
        step: null,
        acquired: false,
      });
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
