/**
 * Triggering a run and a run's operations on SQLite (src/store/sqlite/sqlite-run-primitives.ts): triggerRun with its
 * idempotency key (the same key from a second connection returns the first run) and beginRunOp / finishRunOp, each
 * written once. The setups are in sqlite-run-primitives-support.ts; the contract both backends share is in
 * run-primitives-contract-*.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { uniqueName } from "../support/backends.js";
import { codeOf, useSqliteRunPrimitives } from "./sqlite-run-primitives-support.js";

describe("workflow primitives on SQLite", () => {
  const fx = useSqliteRunPrimitives();
  const { setUp, trigger, running } = fx;
  let b: StoreBackend;
  let other: StoreBackend;
  beforeAll(() => {
    ({ b, other } = fx);
  });

  it("triggerRun: QUEUED run with its parent and key, visible now; the same key returns the first, writes nothing", async () => {
    const s = await setUp();
    const parent = await trigger(s);
    const first = await trigger(s, { key: "k1", parentRunId: parent.run.id });
    expect(first.created).toBe(true);
    expect(first.run).toMatchObject({
      status: "QUEUED",
      messageId: first.message.id,
      parentRunId: parent.run.id,
      input: { input: { n: 1 } },
      waitingFor: null,
    });
    expect(first.message).toMatchObject({ queueId: s.queueId, readCt: 0, consumerWorkerId: null });
    expect(first.message.vt).toEqual(s.clock());
    const again = await other.triggerRun({
      workflowName: s.workflowName,
      payload: '{"input":"other"}',
      idempotencyKey: "k1",
      parentRunId: null,
      now: s.clock(5),
    });
    expect(again.created).toBe(false);
    expect(again.message.id).toBe(first.message.id);
    expect(again.run).toEqual(first.run);
    expect(await b.countMessages({ queueId: s.queueId })).toBe(2);
    // A key is per workflow: another workflow may use it.
    const s2 = await setUp();
    expect((await trigger(s2, { key: "k1" })).created).toBe(true);
    expect(
      await codeOf(
        b.triggerRun({
          workflowName: uniqueName("none"),
          payload: "{}",
          idempotencyKey: null,
          parentRunId: null,
          now: s.clock(),
        }),
      ),
    ).toBe("WORKFLOW_NOT_FOUND");
  });

  it("beginRunOp inserts on first sight only; finishRunOp completes once", async () => {
    const s = await setUp();
    const { run } = await running(s);
    const first = await b.beginRunOp({
      runId: run.id,
      name: "nap",
      kind: "sleep",
      input: '{"until":1}',
      now: s.clock(2),
    });
    expect(first.runStatus).toBe("RUNNING");
    expect(first.step).toMatchObject({ stepName: "nap", kind: "sleep", status: "RUNNING", input: { until: 1 } });
    const second = await b.beginRunOp({
      runId: run.id,
      name: "nap",
      kind: "recv",
      input: '{"until":2}',
      now: s.clock(3),
    });
    expect(second.step).toEqual(first.step);
    expect(await b.beginRunOp({ runId: 987_654_321, name: "x", kind: "step", input: null, now: s.clock() })).toEqual({
      runStatus: null,
      step: null,
    });
    expect(await b.getStep({ runId: 987_654_321, stepName: "x" })).toBeNull();

    const done = await b.finishRunOp({ runId: run.id, name: "nap", output: '"ok"', now: s.clock(4) });
    expect(done).toMatchObject({ status: "SUCCESS", output: "ok", completedAt: s.clock(4) });
    const again = await b.finishRunOp({ runId: run.id, name: "nap", output: '"other"', now: s.clock(9) });
    expect(again).toEqual(done);
    expect(await b.finishRunOp({ runId: run.id, name: "absent", output: "1", now: s.clock() })).toBeNull();
  });
});
