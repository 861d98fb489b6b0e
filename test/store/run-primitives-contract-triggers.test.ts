/**
 * The store contract of the workflow primitives (src/store/run-primitives.ts, issue 15) on both backends: idempotent
 * triggers (concurrent ones included), child runs, the cancellation of a run tree and the deletion of a queue's runs.
 * The setups are in run-primitives-contract-support.ts; PostgreSQL's concurrency (races between connections) is in
 * run-primitives-postgres-*.test.ts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKEND_FACTORIES } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";
import { codeOf, HOUR, useRunPrimitivesContract } from "./run-primitives-contract-support.js";

describe.each(BACKEND_FACTORIES)("run primitives contract: $name", (factory) => {
  const fx = useRunPrimitivesContract(factory);
  const { flow, trigger, running, suspend } = fx;
  let b: StoreBackend;
  let t: (ms?: number) => Date;
  beforeEach(() => {
    ({ b, t } = fx);
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
