/**
 * The store contract of the workflow primitives (src/store/run-primitives.ts, issue 15) on both backends: events (last
 * write wins, getRunEvent and the run's existence, a set event waking the run that waits for it). The setups are in
 * run-primitives-contract-support.ts; PostgreSQL's concurrency (races between connections) is in
 * run-primitives-postgres-*.test.ts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKEND_FACTORIES } from "../support/backend-factories.js";
import { codeOf, HOUR, useRunPrimitivesContract } from "./run-primitives-contract-support.js";

describe.each(BACKEND_FACTORIES)("run primitives contract: $name", (factory) => {
  const fx = useRunPrimitivesContract(factory);
  const { running, suspend } = fx;
  let b: StoreBackend;
  let t: (ms?: number) => Date;
  beforeEach(() => {
    ({ b, t } = fx);
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
});
