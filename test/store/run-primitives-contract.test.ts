/**
 * The store contract of the workflow primitives (src/store/run-primitives.ts, issue 15) on both backends:
 * operation rows, suspension and wake-ups, run messages, events, idempotent triggers, child runs and the
 * cancellation of a run tree. PostgreSQL's concurrency (races between connections) is in
 * run-primitives-postgres.test.ts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { isPgqrsError } from "../../src/errors.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { RunRecord, WorkerRecord, WorkflowRecord } from "../../src/types.js";
import { BACKEND_FACTORIES, testClock, useBackend } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";

async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "none";
  } catch (err) {
    return isPgqrsError(err) ? err.code : `non-pgqrs: ${String(err)}`;
  }
}

const HOUR = 3_600_000;

describe.each(BACKEND_FACTORIES)("run primitives contract: $name", (factory) => {
  const backend = useBackend(factory);
  let b: StoreBackend;
  let t: (ms?: number) => Date;
  beforeEach(() => {
    b = backend();
    t = testClock();
  });

  async function flow(): Promise<{ wf: WorkflowRecord; worker: WorkerRecord }> {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const worker = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: t() });
    return { wf, worker };
  }

  async function trigger(wf: WorkflowRecord, opts: { key?: string; parent?: number; input?: unknown } = {}) {
    return b.triggerRun({
      workflowName: wf.name,
      payload: JSON.stringify({ input: opts.input ?? 1 }),
      idempotencyKey: opts.key ?? null,
      parentRunId: opts.parent ?? null,
      now: t(),
    });
  }

  /** Claim the workflow's next trigger as `worker`: the run RUNNING (its waiting_for cleared), its message held. */
  async function claim(queueId: number, worker: WorkerRecord, at = t()): Promise<RunRecord> {
    const p = { queueId, workerId: worker.id, limit: 1, leaseMs: 30_000, now: at, maxReadCt: 5 };
    let run: RunRecord | null | undefined;
    if (b.dequeueAndStartRuns !== undefined) {
      run = (await b.dequeueAndStartRuns(p))[0]?.run;
    } else {
      const [message] = await b.dequeue(p);
      run = message === undefined ? null : await b.startRun({ message, now: at });
    }
    expect(run?.status).toBe("RUNNING");
    return run!;
  }

  /** A RUNNING run whose message `worker` holds. */
  async function running(opts: { parent?: number } = {}) {
    const { wf, worker } = await flow();
    await trigger(wf, opts);
    const run = await claim(wf.queueId, worker);
    return { wf, worker, run };
  }

  async function suspend(
    run: RunRecord,
    worker: WorkerRecord,
    wait: Record<string, unknown>,
    until: Date,
    wakeIf = [],
  ) {
    return b.suspendRun({
      runId: run.id,
      messageId: run.messageId,
      workerId: worker.id,
      now: t(10),
      waitingFor: JSON.stringify(wait),
      until,
      wakeIf,
    });
  }

  describe("operation rows", () => {
    it("beginRunOp inserts on first sight only and returns the run's status; nothing for a missing run", async () => {
      const { run } = await running();
      const first = await b.beginRunOp({ runId: run.id, name: "nap", kind: "sleep", input: '{"until":1}', now: t(1) });
      expect(first.runStatus).toBe("RUNNING");
      expect(first.step).toMatchObject({ stepName: "nap", kind: "sleep", status: "RUNNING", input: { until: 1 } });
      expect(first.step?.startedAt).toEqual(t(1));
      const again = await b.beginRunOp({ runId: run.id, name: "nap", kind: "recv", input: '{"until":2}', now: t(2) });
      expect(again).toEqual(first);
      expect(
        await b.beginRunOp({ runId: run.id + 1_000_000, name: "x", kind: "sleep", input: null, now: t() }),
      ).toEqual({ runStatus: null, step: null });
      expect((await b.listSteps({ runId: run.id })).map((s) => s.stepName)).toEqual(["nap"]);
    });

    it("finishRunOp completes once: a second finish returns the first output; null for a missing row", async () => {
      const { run } = await running();
      await b.beginRunOp({ runId: run.id, name: "nap", kind: "sleep", input: null, now: t(1) });
      const done = await b.finishRunOp({ runId: run.id, name: "nap", output: '{"slept":true}', now: t(2) });
      expect(done).toMatchObject({ status: "SUCCESS", output: { slept: true }, completedAt: t(2), kind: "sleep" });
      const again = await b.finishRunOp({ runId: run.id, name: "nap", output: '{"slept":false}', now: t(3) });
      expect(again).toEqual(done);
      expect(await b.finishRunOp({ runId: run.id, name: "other", output: "1", now: t() })).toBeNull();
    });

    it("plain steps are kind 'step'", async () => {
      const { run } = await running();
      const { step } = await b.acquireStep({ runId: run.id, stepName: "s", now: t(), owner: "o" });
      expect(step.kind).toBe("step");
    });
  });

  describe("suspension", () => {
    it("pauses the run, stores waiting_for, releases the message until `until` with the delivery refunded", async () => {
      const { worker, run } = await running();
      const before = (await b.getMessage(run.messageId))!;
      const out = await suspend(run, worker, { kind: "sleep", until: t(HOUR).toISOString(), name: "nap" }, t(HOUR));
      expect(out.outcome).toBe("paused");
      expect(out.woken).toBe(false);
      expect(out.run).toMatchObject({ status: "PAUSED", pausedAt: t(10) });
      expect(out.run?.waitingFor).toEqual({ kind: "sleep", until: t(HOUR), name: "nap" });
      expect(await b.getRun(run.id)).toEqual(out.run);
      const msg = (await b.getMessage(run.messageId))!;
      expect(msg).toMatchObject({ consumerWorkerId: null, vt: t(HOUR), readCt: before.readCt - 1 });
      // Coming back clears waiting_for.
      expect(await claim(msg.queueId, worker, t(HOUR))).toMatchObject({ id: run.id, waitingFor: null });
    });

    it("wakes at once when a message of the topic waits, a child run is finished, or the event is set", async () => {
      const { worker, run } = await running();
      await b.sendRunMessage({
        runId: run.id,
        topic: "go",
        payload: "1",
        idempotencyKey: null,
        senderRunId: null,
        now: t(1),
      });
      const other = await suspend(run, worker, { kind: "message", topic: "nope" }, t(HOUR), [
        { kind: "message", topic: "nope" },
      ] as never);
      expect(other.woken).toBe(false);

      for (const wake of ["message", "child", "event"] as const) {
        const p = await running();
        const child = await running({ parent: p.run.id });
        let cond: unknown;
        if (wake === "message") {
          await b.sendRunMessage({
            runId: p.run.id,
            topic: "go",
            payload: "2",
            idempotencyKey: null,
            senderRunId: null,
            now: t(1),
          });
          cond = { kind: "message", topic: "go" };
        } else if (wake === "child") {
          await b.transitionRun({ id: child.run.id, from: ["RUNNING"], to: "SUCCESS", now: t(1), output: "7" });
          cond = { kind: "child", childRunId: child.run.id };
        } else {
          await b.setRunEvent({ runId: child.run.id, key: "ready", value: "true", now: t(1) });
          cond = { kind: "event", runId: child.run.id, key: "ready" };
        }
        const unrelated = { kind: "child", childRunId: child.run.id + 1_000_000 };
        const out = await suspend(p.run, p.worker, { kind: wake }, t(HOUR), [unrelated, cond] as never);
        expect({ wake, outcome: out.outcome, woken: out.woken }).toEqual({ wake, outcome: "paused", woken: true });
        expect((await b.getMessage(p.run.messageId))?.vt).toEqual(t(10));
      }
    });

    it("reports a CANCELLING run (nothing written) and a lost lease or finished run as lost", async () => {
      const a = await running();
      await b.transitionRun({ id: a.run.id, from: ["RUNNING"], to: "CANCELLING", now: t(1) });
      const out = await suspend(a.run, a.worker, { kind: "sleep" }, t(HOUR));
      expect(out).toMatchObject({ outcome: "cancelling", woken: false });
      expect((await b.getRun(a.run.id))?.status).toBe("CANCELLING");
      expect((await b.getMessage(a.run.messageId))?.consumerWorkerId).toBe(a.worker.id);

      const c = await running();
      const stranger = await b.registerWorker({ name: uniqueName("w"), queueId: c.wf.queueId, now: t() });
      expect((await suspend(c.run, stranger, { kind: "sleep" }, t(HOUR))).outcome).toBe("lost");
      await b.transitionRun({ id: c.run.id, from: ["RUNNING"], to: "SUCCESS", now: t(1) });
      expect((await suspend(c.run, c.worker, { kind: "sleep" }, t(HOUR))).outcome).toBe("lost");
      expect((await b.getRun(c.run.id))?.status).toBe("SUCCESS");
      expect((await b.getMessage(c.run.messageId))?.consumerWorkerId).toBe(c.worker.id);
    });

    it("waiting_for is written by a transition to PAUSED and cleared by any other", async () => {
      const { run } = await running();
      const wf = JSON.stringify({ kind: "pause", name: "x" });
      const paused = await b.transitionRun({ id: run.id, from: ["RUNNING"], to: "PAUSED", now: t(1), waitingFor: wf });
      expect(paused?.waitingFor).toEqual({ kind: "pause", name: "x" });
      const back = await b.transitionRun({ id: run.id, from: ["PAUSED"], to: "RUNNING", now: t(2) });
      expect(back?.waitingFor).toBeNull();
    });
  });

  describe("wake-ups", () => {
    it("wakeRun makes a released message visible now and leaves a held one alone", async () => {
      const { worker, run } = await running();
      const held = (await b.getMessage(run.messageId))!;
      expect(await b.wakeRun({ runId: run.id, now: t(5) })).toBe(true);
      expect(await b.getMessage(run.messageId)).toEqual(held);
      await suspend(run, worker, { kind: "sleep" }, t(HOUR));
      expect(await b.wakeRun({ runId: run.id, now: t(20) })).toBe(true);
      expect((await b.getMessage(run.messageId))?.vt).toEqual(t(20));
      expect(await b.wakeRun({ runId: run.id + 1_000_000, now: t() })).toBe(false);
    });

    it("a child's end wakes its suspended parent (transitionRun and completeRunAndArchive); an archived run is not woken", async () => {
      for (const how of ["transition", "complete"] as const) {
        const parent = await running();
        const child = await running({ parent: parent.run.id });
        expect(child.run.parentRunId).toBe(parent.run.id);
        await suspend(parent.run, parent.worker, { kind: "child", childRunId: child.run.id }, t(HOUR));
        expect((await b.getMessage(parent.run.messageId))?.vt).toEqual(t(HOUR));
        // A non-terminal transition wakes nobody.
        await b.transitionRun({ id: child.run.id, from: ["RUNNING"], to: "PAUSED", now: t(20) });
        expect((await b.getMessage(parent.run.messageId))?.vt).toEqual(t(HOUR));
        if (how === "transition") {
          await b.transitionRun({ id: child.run.id, from: ["PAUSED"], to: "ERROR", now: t(30), error: '"x"' });
        } else {
          await b.transitionRun({ id: child.run.id, from: ["PAUSED"], to: "RUNNING", now: t(25) });
          const done = await b.completeRunAndArchive({
            id: child.run.id,
            from: ["RUNNING"],
            to: "SUCCESS",
            now: t(30),
            output: "1",
            messageId: child.run.messageId,
            workerId: child.worker.id,
          });
          expect(done.archived).toBe(true);
        }
        expect({ how, vt: (await b.getMessage(parent.run.messageId))?.vt }).toEqual({ how, vt: t(30) });
      }
      const done = await running();
      await b.completeRunAndArchive({
        id: done.run.id,
        from: ["RUNNING"],
        to: "SUCCESS",
        now: t(1),
        messageId: done.run.messageId,
        workerId: done.worker.id,
      });
      expect(await b.wakeRun({ runId: done.run.id, now: t(2) })).toBe(false);
    });
  });

  describe("run messages", () => {
    it("send wakes the run; a key sends once; RUN_NOT_FOUND and INVALID_STATE_TRANSITION write nothing", async () => {
      const { worker, run } = await running();
      await suspend(run, worker, { kind: "message", topic: "t" }, t(HOUR));
      const send = (payload: string, key: string | null = null, runId = run.id) =>
        b.sendRunMessage({ runId, topic: "t", payload, idempotencyKey: key, senderRunId: 42, now: t(50) });
      const first = await send('{"a":1}', "k1");
      expect(first.created).toBe(true);
      expect(first.message).toMatchObject({
        runId: run.id,
        topic: "t",
        payload: { a: 1 },
        idempotencyKey: "k1",
        senderRunId: 42,
        createdAt: t(50),
        consumedAt: null,
        consumedByStep: null,
      });
      expect((await b.getMessage(run.messageId))?.vt).toEqual(t(50));
      expect(await send('{"a":2}', "k1")).toEqual({ message: first.message, created: false });
      expect((await b.listRunMessages({ runId: run.id })).length).toBe(1);
      expect(await codeOf(() => send("1", null, run.id + 1_000_000))).toBe("RUN_NOT_FOUND");
      // A repeated send (a sender replaying its run.send) gets its message back even once the run has finished.
      await b.transitionRun({ id: run.id, from: ["PAUSED"], to: "CANCELLED", now: t(60) });
      expect(await send('{"a":3}', "k1")).toEqual({ message: first.message, created: false });
      expect(await codeOf(() => send('{"a":4}', "k2"))).toBe("INVALID_STATE_TRANSITION");
      for (const status of ["SUCCESS", "ERROR", "CANCELLING", "CANCELLED"] as const) {
        const r = await running();
        await b.transitionRun({ id: r.run.id, from: ["RUNNING"], to: status, now: t(1) });
        expect({ status, code: await codeOf(() => send("1", null, r.run.id)) }).toEqual({
          status,
          code: "INVALID_STATE_TRANSITION",
        });
        expect(await b.listRunMessages({ runId: r.run.id })).toEqual([]);
      }
    });

    it("receive takes the oldest unconsumed message of the topic once and completes its step", async () => {
      const { run } = await running();
      for (const [topic, payload] of [
        ["a", "1"],
        ["b", "2"],
        ["a", "3"],
      ] as const) {
        await b.sendRunMessage({ runId: run.id, topic, payload, idempotencyKey: null, senderRunId: null, now: t(1) });
      }
      await b.beginRunOp({ runId: run.id, name: "r1", kind: "recv", input: null, now: t(2) });
      const got = await b.receiveRunMessage({ runId: run.id, topic: "a", stepName: "r1", now: t(3) });
      expect(got).toMatchObject({ topic: "a", payload: 1, consumedAt: t(3), consumedByStep: "r1" });
      expect(await b.getStep({ runId: run.id, stepName: "r1" })).toMatchObject({
        status: "SUCCESS",
        kind: "recv",
        output: { messageId: got!.id, payload: 1 },
      });
      const next = await b.receiveRunMessage({ runId: run.id, topic: "a", stepName: "r2", now: t(4) });
      expect(next?.payload).toBe(3);
      expect(await b.receiveRunMessage({ runId: run.id, topic: "a", stepName: "r3", now: t(5) })).toBeNull();
      expect(await b.getStep({ runId: run.id, stepName: "r3" })).toBeNull();
      const all = await b.listRunMessages({ runId: run.id });
      expect(all.map((m) => [m.topic, m.consumedByStep])).toEqual([
        ["a", "r1"],
        ["b", null],
        ["a", "r2"],
      ]);
    });

    it("concurrent receivers consume each message once", async () => {
      const { run } = await running();
      for (let i = 0; i < 6; i++) {
        await b.sendRunMessage({
          runId: run.id,
          topic: "q",
          payload: String(i),
          idempotencyKey: null,
          senderRunId: null,
          now: t(i),
        });
      }
      const got = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          b.receiveRunMessage({ runId: run.id, topic: "q", stepName: `r${i}`, now: t(100) }),
        ),
      );
      const ids = got.filter((m) => m !== null).map((m) => m!.id);
      expect(new Set(ids).size).toBe(ids.length);
      const consumed = (await b.listRunMessages({ runId: run.id })).filter((m) => m.consumedAt !== null);
      expect(consumed.length).toBe(ids.length);
      expect(ids.length).toBeGreaterThan(0);
      // Whatever a racer skipped is still there for the next receive.
      let rest = 6 - ids.length;
      while (rest-- > 0) {
        expect(
          await b.receiveRunMessage({ runId: run.id, topic: "q", stepName: `x${rest}`, now: t(200) }),
        ).not.toBeNull();
      }
      expect(await b.receiveRunMessage({ runId: run.id, topic: "q", stepName: "last", now: t(300) })).toBeNull();
    });
  });

  describe("events", () => {
    it("last write wins; RUN_NOT_FOUND for an unknown run; getRunEvent says whether the run exists", async () => {
      const { run } = await running();
      const e1 = await b.setRunEvent({ runId: run.id, key: "progress", value: "1", now: t(1) });
      expect(e1).toEqual({ runId: run.id, key: "progress", value: 1, createdAt: t(1), updatedAt: t(1) });
      const e2 = await b.setRunEvent({ runId: run.id, key: "progress", value: '{"n":2}', now: t(2) });
      expect(e2).toEqual({ ...e1, value: { n: 2 }, updatedAt: t(2) });
      await b.setRunEvent({ runId: run.id, key: "a", value: "null", now: t(3) });
      expect(await b.getRunEvent({ runId: run.id, key: "progress" })).toEqual({ runExists: true, event: e2 });
      expect(await b.getRunEvent({ runId: run.id, key: "none" })).toEqual({ runExists: true, event: null });
      expect(await b.getRunEvent({ runId: run.id + 1_000_000, key: "x" })).toEqual({ runExists: false, event: null });
      expect((await b.listRunEvents({ runId: run.id })).map((e) => e.key)).toEqual(["a", "progress"]);
      expect(await codeOf(() => b.setRunEvent({ runId: run.id + 1_000_000, key: "k", value: "1", now: t() }))).toBe(
        "RUN_NOT_FOUND",
      );
    });

    it("setting an event wakes its run when the run waits for an event, and no other", async () => {
      const waiting = await running();
      await suspend(waiting.run, waiting.worker, { kind: "event" }, t(HOUR));
      const sleeping = await running();
      await suspend(sleeping.run, sleeping.worker, { kind: "sleep" }, t(HOUR));
      await b.setRunEvent({ runId: waiting.run.id, key: "k", value: "1", now: t(40) });
      await b.setRunEvent({ runId: sleeping.run.id, key: "k", value: "1", now: t(40) });
      expect((await b.getMessage(waiting.run.messageId))?.vt).toEqual(t(40));
      expect((await b.getMessage(sleeping.run.messageId))?.vt).toEqual(t(HOUR));
    });
  });

  describe("triggers and child runs", () => {
    it("creates the message and its QUEUED run; a second trigger with the key returns them and writes nothing", async () => {
      const { wf } = await flow();
      const parent = await running();
      const first = await trigger(wf, { key: "order-1", parent: parent.run.id, input: { n: 1 } });
      expect(first.created).toBe(true);
      expect(first.message).toMatchObject({ queueId: wf.queueId, payload: { input: { n: 1 } }, readCt: 0 });
      expect(first.run).toMatchObject({
        workflowId: wf.id,
        messageId: first.message.id,
        status: "QUEUED",
        input: { input: { n: 1 } },
        parentRunId: parent.run.id,
        waitingFor: null,
      });
      const again = await trigger(wf, { key: "order-1", input: { n: 2 } });
      expect(again).toEqual({ ...first, created: false });
      expect(await b.countMessages({ queueId: wf.queueId })).toBe(1);
      expect(await b.countRuns({ workflowId: wf.id })).toBe(1);
      expect((await trigger(wf, { key: "order-2" })).created).toBe(true);
      expect((await trigger(wf)).created).toBe(true);
      expect(await b.countRuns({ workflowId: wf.id })).toBe(3);
      expect((await b.listChildRuns({ runId: parent.run.id })).map((r) => r.id)).toEqual([first.run.id]);
      const missing = { workflowName: uniqueName("none"), payload: "{}", parentRunId: null, now: t() };
      expect(await codeOf(() => b.triggerRun({ ...missing, idempotencyKey: null }))).toBe("WORKFLOW_NOT_FOUND");
      expect(await codeOf(() => b.triggerRun({ ...missing, idempotencyKey: "k" }))).toBe("WORKFLOW_NOT_FOUND");
    });

    it("concurrent triggers with one key create one message and one run", async () => {
      const { wf } = await flow();
      const all = await Promise.all(Array.from({ length: 6 }, () => trigger(wf, { key: "same" })));
      expect(new Set(all.map((r) => r.message.id)).size).toBe(1);
      expect(new Set(all.map((r) => r.run.id)).size).toBe(1);
      expect(all.filter((r) => r.created).length).toBe(1);
      expect(await b.countMessages({ queueId: wf.queueId })).toBe(1);
      expect(await b.countRuns({ workflowId: wf.id })).toBe(1);
    });

    it("cancelRunTree cancels the unfinished runs of the tree and wakes them; finished ones stay", async () => {
      const root = await running();
      const child = await running({ parent: root.run.id });
      const grandchild = await running({ parent: child.run.id });
      const finished = await running({ parent: root.run.id });
      await b.transitionRun({ id: finished.run.id, from: ["RUNNING"], to: "SUCCESS", now: t(1) });
      await suspend(grandchild.run, grandchild.worker, { kind: "sleep" }, t(HOUR));
      const out = await b.cancelRunTree({ runId: root.run.id, now: t(60) });
      expect(out).toMatchObject({ id: root.run.id, status: "CANCELLING", waitingFor: null });
      expect((await b.getRun(child.run.id))?.status).toBe("CANCELLING");
      expect(await b.getRun(grandchild.run.id)).toMatchObject({ status: "CANCELLING", waitingFor: null });
      expect((await b.getRun(finished.run.id))?.status).toBe("SUCCESS");
      expect((await b.getMessage(grandchild.run.messageId))?.vt).toEqual(t(60));
      // A root already cancelling comes back unchanged.
      expect(await b.cancelRunTree({ runId: root.run.id, now: t(70) })).toEqual(out);
      expect(await b.cancelRunTree({ runId: root.run.id + 1_000_000, now: t() })).toBeNull();
    });

    it("deleting a queue's runs takes their messages and events with them", async () => {
      const { wf, run } = await running();
      await b.sendRunMessage({
        runId: run.id,
        topic: "t",
        payload: "1",
        idempotencyKey: null,
        senderRunId: null,
        now: t(),
      });
      await b.setRunEvent({ runId: run.id, key: "k", value: "1", now: t() });
      await b.purgeQueue({ queueId: wf.queueId });
      expect(await b.getRun(run.id)).toBeNull();
      expect(await b.listRunMessages({ runId: run.id })).toEqual([]);
      expect(await b.listRunEvents({ runId: run.id })).toEqual([]);
    });
  });
});
