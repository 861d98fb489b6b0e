/**
 * Messages between runs on SQLite (src/store/sqlite/sqlite-run-messages.ts): sendRunMessage (idempotency key, unknown
 * and finished runs) and receiveRunMessage (oldest first, each message to exactly one receiver across two connections
 * on one file). The setups are in sqlite-run-primitives-support.ts; the contract both backends share is in
 * run-primitives-contract-*.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import type { WorkflowStatus } from "../../src/types.js";
import { codeOf, useSqliteRunPrimitives } from "./sqlite-run-primitives-support.js";

describe("workflow primitives on SQLite", () => {
  const fx = useSqliteRunPrimitives();
  const { setUp, trigger, running } = fx;
  let b: StoreBackend;
  let other: StoreBackend;
  beforeAll(() => {
    ({ b, other } = fx);
  });

  it("sendRunMessage: idempotency key, RUN_NOT_FOUND, and nothing written to a finished run", async () => {
    const s = await setUp();
    const { run } = await running(s);
    const send = (key: string | null, runId = run.id) =>
      b.sendRunMessage({
        runId,
        topic: "t",
        payload: '{"v":1}',
        idempotencyKey: key,
        senderRunId: null,
        now: s.clock(2),
      });
    const first = await send("once");
    expect(first.created).toBe(true);
    expect(first.message).toMatchObject({ runId: run.id, topic: "t", payload: { v: 1 }, idempotencyKey: "once" });
    const again = await send("once");
    expect(again).toEqual({ message: first.message, created: false });
    expect(await codeOf(send(null, 987_654_321))).toBe("RUN_NOT_FOUND");

    const finished: WorkflowStatus[] = ["SUCCESS", "ERROR", "CANCELLING", "CANCELLED"];
    for (const status of finished) {
      const r = (await trigger(s)).run;
      await b.transitionRun({ id: r.id, from: ["QUEUED"], to: status, now: s.clock(3) });
      const code = await codeOf(
        b.sendRunMessage({
          runId: r.id,
          topic: "t",
          payload: "1",
          idempotencyKey: null,
          senderRunId: null,
          now: s.clock(4),
        }),
      );
      expect(code, status).toBe("INVALID_STATE_TRANSITION");
      expect(await b.listRunMessages({ runId: r.id }), status).toEqual([]);
    }
  });

  it("receiveRunMessage: oldest first, each message to exactly one receiver across connections, step completed", async () => {
    const s = await setUp();
    const { run } = await running(s);
    for (let i = 0; i < 4; i++) {
      await b.sendRunMessage({
        runId: run.id,
        topic: "t",
        payload: `${i}`,
        idempotencyKey: null,
        senderRunId: null,
        now: s.clock(10 + i),
      });
    }
    await b.sendRunMessage({
      runId: run.id,
      topic: "other",
      payload: "9",
      idempotencyKey: null,
      senderRunId: null,
      now: s.clock(20),
    });
    const names = Array.from({ length: 6 }, (_, i) => `recv-${i}`);
    for (const name of names) await b.beginRunOp({ runId: run.id, name, kind: "recv", input: null, now: s.clock(30) });
    const got = await Promise.all(
      names.map((stepName, i) =>
        (i % 2 === 0 ? b : other).receiveRunMessage({ runId: run.id, topic: "t", stepName, now: s.clock(40) }),
      ),
    );
    const received = got.filter((m) => m !== null);
    expect(received.map((m) => m.payload).sort()).toEqual([0, 1, 2, 3]);
    expect(got.filter((m) => m === null)).toHaveLength(2);
    expect(got[0]?.payload).toBe(0); // the first receiver gets the oldest
    for (const [i, m] of got.entries()) {
      const step = await b.getStep({ runId: run.id, stepName: names[i]! });
      if (m === null) {
        expect(step?.status).toBe("RUNNING");
        continue;
      }
      expect(m).toMatchObject({ consumedAt: s.clock(40), consumedByStep: names[i] });
      expect(step).toMatchObject({ status: "SUCCESS", output: { messageId: m.id, payload: m.payload } });
    }
    const all = await b.listRunMessages({ runId: run.id });
    expect(all.map((m) => m.payload)).toEqual([0, 1, 2, 3, 9]);
    expect(all.at(-1)?.consumedAt).toBeNull();
  });
});
