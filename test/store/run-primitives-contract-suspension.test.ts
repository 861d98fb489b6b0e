/**
 * The store contract of the workflow primitives (src/store/run-primitives.ts, issue 15) on both backends: suspension
 * (pausing with waiting_for and a released message, woken at once by what it waits for, CANCELLING and lost outcomes)
 * and wake-ups (wakeRun, a child's end waking its suspended parent). The setups are in
 * run-primitives-contract-support.ts; PostgreSQL's concurrency (races between connections) is in
 * run-primitives-postgres-*.test.ts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKEND_FACTORIES } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";
import { HOUR, useRunPrimitivesContract } from "./run-primitives-contract-support.js";

describe.each(BACKEND_FACTORIES)("run primitives contract: $name", (factory) => {
  const fx = useRunPrimitivesContract(factory);
  const { claim, running, suspend } = fx;
  let b: StoreBackend;
  let t: (ms?: number) => Date;
  beforeEach(() => {
    ({ b, t } = fx);
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
});
