/**
 * The backend operations added for the hot paths of workflow runs (src/store/store.ts): `completeRunAndArchive`,
 * `startRun` and `acquireStepOfRun`. Run against SQLite always and Postgres when PGQRS_TEST_DSN is set; one fresh
 * database per backend for the file. The messages' operations: perf-operations-messages.test.ts.
 */
import { describe, expect, it } from "vitest";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";

describeEachBackend("hot-path operations: $name", ({ b }) => {
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
});
