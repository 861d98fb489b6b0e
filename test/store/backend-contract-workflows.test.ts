/**
 * StoreBackend contract, workflows, runs and steps: createWorkflow, getOrCreateRun, guarded run transitions, step
 * acquire/complete/fail and retries. Runs once per backend of PGQRS_TEST_BACKENDS, on a fresh database per file.
 */
import { describe, expect, it } from "vitest";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";
import { codeOf, contractHelpers } from "./backend-contract-support.js";

describeEachBackend("StoreBackend contract: $name", ({ b, backend }) => {
  const { queue, put } = contractHelpers(backend);

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
