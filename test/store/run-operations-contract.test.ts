/**
 * The store contract of the operator actions on runs (src/store/run-operations.ts, issue 16) on both backends: what
 * retryRun, resumeRun and forkRun write to the run, its message and its steps, and that a refusal writes nothing.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { RunRecord, WorkerRecord, WorkflowRecord } from "../../src/types.js";
import { describeEachBackend, testClock } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";

describeEachBackend("run operations contract: $name", ({ b }) => {
  let t: (ms?: number) => Date;
  beforeEach(() => {
    t = testClock();
  });

  async function flow(): Promise<{ wf: WorkflowRecord; worker: WorkerRecord }> {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const worker = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: t() });
    return { wf, worker };
  }

  /** A RUNNING run (input `{"input": {"n": 1}}`) whose message `worker` holds. */
  async function running(opts: { parent?: number } = {}) {
    const { wf, worker } = await flow();
    await b.triggerRun({
      workflowName: wf.name,
      payload: JSON.stringify({ input: { n: 1 } }),
      idempotencyKey: null,
      parentRunId: opts.parent ?? null,
      now: t(),
    });
    const p = { queueId: wf.queueId, workerId: worker.id, limit: 1, leaseMs: 30_000, now: t(), maxReadCt: 5 };
    let run: RunRecord | null | undefined;
    if (b.dequeueAndStartRuns !== undefined) {
      run = (await b.dequeueAndStartRuns(p))[0]?.run;
    } else {
      const [message] = await b.dequeue(p);
      run = message === undefined ? null : await b.startRun({ message, now: t() });
    }
    expect(run?.status).toBe("RUNNING");
    return { wf, worker, run: run! };
  }

  /** Steps of `run` by name: a SUCCESS step, each as `acquireStep` and `completeStep` record it. */
  async function succeed(run: RunRecord, name: string, output: unknown, at: number) {
    await b.acquireStep({ runId: run.id, stepName: name, now: t(at), owner: "o" });
    await b.completeStep({ runId: run.id, stepName: name, now: t(at), output: JSON.stringify(output), owner: "o" });
  }

  async function failStep(run: RunRecord, name: string, at: number, retryAt: Date | null, retryCount: number) {
    await b.acquireStep({ runId: run.id, stepName: name, now: t(at), owner: "o" });
    await b.failStep({ runId: run.id, stepName: name, now: t(at), error: '{"m":1}', retryAt, retryCount, owner: "o" });
  }

  /** Everything a refusal must leave alone: the run, its message, its steps, and how many runs there are. */
  async function state(run: RunRecord) {
    return JSON.stringify({
      run: await b.getRun(run.id),
      message: await b.getMessage(run.messageId),
      steps: await b.listSteps({ runId: run.id }),
      runs: await b.countRuns({}),
    });
  }

  describe("retryRun", () => {
    it("a dead-lettered run: message un-dead-lettered and fresh, run QUEUED, failed steps due now, others kept", async () => {
      const { run, worker, wf } = await running();
      await succeed(run, "s1", 11, 1);
      await failStep(run, "s2", 2, null, 2);
      await b.beginRunOp({ runId: run.id, name: "nap", kind: "sleep", input: '{"until":"x"}', now: t(3) });
      const dead = await b.deadLetter({ queueId: wf.queueId, maxReadCt: 1, now: t(60_000) });
      expect(dead.failedRuns).toEqual([run.id]);

      const r = await b.retryRun({ runId: run.id, now: t(70_000) });
      expect(r).toMatchObject({ outcome: "done", queueId: wf.queueId });
      if (r.outcome !== "done") return;
      expect(r.run).toMatchObject({ status: "QUEUED", error: null, output: null, completedAt: null, waitingFor: null });
      expect(await b.getMessage(run.messageId)).toMatchObject({
        archivedAt: null,
        deadLetteredAt: null,
        readCt: 0,
        consumerWorkerId: null,
        dequeuedAt: null,
        vt: t(70_000),
        enqueuedAt: t(70_000),
      });
      const steps = Object.fromEntries((await b.listSteps({ runId: run.id })).map((s) => [s.stepName, s]));
      expect(steps.s1).toMatchObject({ status: "SUCCESS", output: 11 });
      expect(steps.s2).toMatchObject({ status: "ERROR", retryCount: 0, retryAt: t(70_000) });
      expect(steps.nap).toMatchObject({ status: "RUNNING", kind: "sleep" });
      // Claimable again at once; the failed step is acquired by the next delivery.
      const [again] = await b.dequeue({
        queueId: wf.queueId,
        workerId: worker.id,
        limit: 1,
        leaseMs: 30_000,
        now: t(70_000),
        maxReadCt: 1,
      });
      expect(again?.id).toBe(run.messageId);
      const s2 = await b.acquireStep({ runId: run.id, stepName: "s2", now: t(70_001), owner: "new" });
      expect(s2).toMatchObject({ acquired: true, step: { status: "RUNNING", retryCount: 0, error: null } });
    });

    it("refuses every status but ERROR and CANCELLED, and an unknown run, writing nothing", async () => {
      const { run } = await running();
      const before = await state(run);
      expect(await b.retryRun({ runId: run.id, now: t(5) })).toMatchObject({
        outcome: "refused",
        run: { status: "RUNNING" },
      });
      expect(await b.retryRun({ runId: run.id + 1_000_000, now: t(5) })).toEqual({ outcome: "not-found" });
      expect(await state(run)).toBe(before);
    });
  });

  describe("resumeRun", () => {
    it("a PAUSED run: its sleep done now, a future retry due now, its deadline now, its message visible now", async () => {
      const { run, worker, wf } = await running();
      await b.beginRunOp({ runId: run.id, name: "nap", kind: "sleep", input: '{"until":"later"}', now: t(1) });
      await failStep(run, "later", 2, t(86_400_000), 1);
      await failStep(run, "done-retry", 3, t(4), 1);
      const paused = await b.suspendRun({
        runId: run.id,
        messageId: run.messageId,
        workerId: worker.id,
        now: t(10),
        waitingFor: JSON.stringify({ kind: "sleep", name: "nap", until: t(86_400_000).toISOString() }),
        until: t(86_400_000),
        wakeIf: [],
      });
      expect(paused.outcome).toBe("paused");

      const r = await b.resumeRun({ runId: run.id, now: t(20) });
      expect(r).toMatchObject({ outcome: "done", queueId: wf.queueId, run: { status: "PAUSED" } });
      if (r.outcome !== "done") return;
      expect(r.run.waitingFor).toEqual({ kind: "sleep", name: "nap", until: t(20) });
      const steps = Object.fromEntries((await b.listSteps({ runId: run.id })).map((s) => [s.stepName, s]));
      expect(steps.nap).toMatchObject({ status: "SUCCESS", completedAt: t(20) });
      expect(steps.nap?.output).toEqual({ until: t(20).toISOString(), resumed: true });
      expect(steps.later).toMatchObject({ status: "ERROR", retryAt: t(20), retryCount: 1 });
      // A retry already due keeps its time.
      expect(steps["done-retry"]).toMatchObject({ retryAt: t(4) });
      expect(await b.getMessage(run.messageId)).toMatchObject({ vt: t(20), consumerWorkerId: null });
    });

    it("a RUNNING run waiting for a step retry (its message released) is resumable; a held one is not", async () => {
      const { run, worker } = await running();
      await failStep(run, "s", 1, t(3_600_000), 1);
      const before = await state(run);
      expect(await b.resumeRun({ runId: run.id, now: t(10) })).toMatchObject({
        outcome: "refused",
        run: { status: "RUNNING" },
      });
      expect(await state(run)).toBe(before);

      await b.release({ ids: [run.messageId], workerId: worker.id, now: t(11), visibleAt: t(3_600_000) });
      const r = await b.resumeRun({ runId: run.id, now: t(12) });
      expect(r).toMatchObject({ outcome: "done", run: { status: "RUNNING" } });
      expect(await b.getStep({ runId: run.id, stepName: "s" })).toMatchObject({ retryAt: t(12) });
      expect((await b.getMessage(run.messageId))?.vt).toEqual(t(12));
    });

    it("refuses a run that waits for nothing, and an unknown run, writing nothing", async () => {
      const { run, worker } = await running();
      await succeed(run, "s", 1, 1);
      await b.release({ ids: [run.messageId], workerId: worker.id, now: t(2), visibleAt: t(2) });
      const before = await state(run);
      expect(await b.resumeRun({ runId: run.id, now: t(5) })).toMatchObject({ outcome: "refused" });
      expect(await b.resumeRun({ runId: run.id + 1_000_000, now: t(5) })).toEqual({ outcome: "not-found" });
      expect(await state(run)).toBe(before);
    });
  });

  describe("forkRun", () => {
    it("copies the SUCCESS steps created before fromStep, in order, into a new QUEUED run with a new message", async () => {
      const { run, wf } = await running();
      await succeed(run, "s1", { a: 1 }, 1);
      await failStep(run, "e1", 2, null, 0);
      await b.beginRunOp({ runId: run.id, name: "nap", kind: "sleep", input: '{"until":"x"}', now: t(3) });
      await b.beginRunOp({ runId: run.id, name: "slept", kind: "sleep", input: '{"until":"y"}', now: t(4) });
      await b.finishRunOp({ runId: run.id, name: "slept", output: '{"until":"y"}', now: t(5) });
      await succeed(run, "s2", 2, 6);
      await succeed(run, "s3", 3, 7);
      await succeed(run, "s4", 4, 8);
      const originalBefore = await state(run);

      const r = await b.forkRun({ runId: run.id, fromStep: "s3", now: t(100) });
      expect(r).toMatchObject({ outcome: "done", queueId: wf.queueId, copied: 3 });
      if (r.outcome !== "done") return;
      expect(r.run).toMatchObject({
        status: "QUEUED",
        workflowId: wf.id,
        input: { input: { n: 1 } },
        forkedFromRunId: run.id,
        parentRunId: null,
        createdAt: t(100),
      });
      const copies = await b.listSteps({ runId: r.run.id });
      expect(copies.map((s) => [s.stepName, s.kind, s.status, s.output, s.input])).toEqual([
        ["s1", "step", "SUCCESS", { a: 1 }, null],
        ["slept", "sleep", "SUCCESS", { until: "y" }, { until: "y" }],
        ["s2", "step", "SUCCESS", 2, null],
      ]);
      expect(await b.getMessage(r.run.messageId)).toMatchObject({
        queueId: wf.queueId,
        payload: { input: { n: 1 } },
        readCt: 0,
        vt: t(100),
        archivedAt: null,
        consumerWorkerId: null,
      });
      // The original is as it was; one run more.
      expect(JSON.parse(await state(run))).toEqual({
        ...JSON.parse(originalBefore),
        runs: JSON.parse(originalBefore).runs + 1,
      });
    });

    it("a fork of a child run has no parent; from the first step it copies nothing", async () => {
      const { run: parent } = await running();
      const { run: child } = await running({ parent: parent.id });
      await succeed(child, "only", 1, 1);
      const r = await b.forkRun({ runId: child.id, fromStep: "only", now: t(5) });
      expect(r).toMatchObject({ outcome: "done", copied: 0, run: { parentRunId: null, forkedFromRunId: child.id } });
    });

    it("refuses a step the run never recorded, and an unknown run, writing nothing", async () => {
      const { run } = await running();
      await succeed(run, "s1", 1, 1);
      const before = await state(run);
      expect(await b.forkRun({ runId: run.id, fromStep: "nope", now: t(5) })).toMatchObject({
        outcome: "no-step",
        run: { id: run.id },
      });
      expect(await b.forkRun({ runId: run.id + 1_000_000, fromStep: "s1", now: t(5) })).toEqual({
        outcome: "not-found",
      });
      expect(await state(run)).toBe(before);
    });
  });
});
