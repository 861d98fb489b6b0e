/**
 * The store contract of the workflow primitives (src/store/run-primitives.ts, issue 15) on both backends: operation
 * rows (beginRunOp and finishRunOp, each written once; plain steps of kind 'step'). The setups are in
 * run-primitives-contract-support.ts; PostgreSQL's concurrency (races between connections) is in
 * run-primitives-postgres-*.test.ts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKEND_FACTORIES } from "../support/backend-factories.js";
import { useRunPrimitivesContract } from "./run-primitives-contract-support.js";

describe.each(BACKEND_FACTORIES)("run primitives contract: $name", (factory) => {
  const fx = useRunPrimitivesContract(factory);
  const { running } = fx;
  let b: StoreBackend;
  let t: (ms?: number) => Date;
  beforeEach(() => {
    ({ b, t } = fx);
  });

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

    it("beginRunOp with an output writes the new row done; an existing row (done or not) is returned unchanged", async () => {
      const { run } = await running();
      const sent = await b.beginRunOp({
        runId: run.id,
        name: "ping",
        kind: "send",
        input: '{"topic":"t"}',
        output: '{"messageId":7}',
        now: t(1),
      });
      expect(sent.step).toMatchObject({
        kind: "send",
        status: "SUCCESS",
        input: { topic: "t" },
        output: { messageId: 7 },
      });
      expect(sent.step?.completedAt).toEqual(t(1));
      // JSON null is an output too: the row is done.
      const nul = await b.beginRunOp({
        runId: run.id,
        name: "n",
        kind: "send",
        input: null,
        output: "null",
        now: t(1),
      });
      expect(nul.step).toMatchObject({ status: "SUCCESS", output: null });
      const again = await b.beginRunOp({
        runId: run.id,
        name: "ping",
        kind: "send",
        input: null,
        output: "8",
        now: t(2),
      });
      expect(again).toEqual(sent);
      await b.beginRunOp({ runId: run.id, name: "half", kind: "child", input: null, now: t(1) });
      const kept = await b.beginRunOp({
        runId: run.id,
        name: "half",
        kind: "child",
        input: null,
        output: "1",
        now: t(2),
      });
      expect(kept.step).toMatchObject({ status: "RUNNING", output: null, completedAt: null });
      expect(
        await b.beginRunOp({ runId: run.id + 1_000_000, name: "x", kind: "send", input: null, output: "1", now: t() }),
      ).toEqual({ runStatus: null, step: null });
    });

    it("plain steps are kind 'step'", async () => {
      const { run } = await running();
      const { step } = await b.acquireStep({ runId: run.id, stepName: "s", now: t(), owner: "o" });
      expect(step.kind).toBe("step");
    });
  });
});
