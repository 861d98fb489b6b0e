/**
 * The store contract of the workflow primitives (src/store/run-primitives.ts, issue 15) on both backends: run messages
 * (send with its idempotency key and refusals, receive of the oldest once, concurrent receivers). The setups are in
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
});
