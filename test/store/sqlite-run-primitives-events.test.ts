/**
 * Run events and queue deletion on SQLite (src/store/sqlite/sqlite-run-primitives.ts): setRunEvent upserts (last write
 * wins, from either connection), reads and lists by key; deleting a queue deletes its runs' messages, events and steps
 * and leaves a deleted parent's children. The setups are in sqlite-run-primitives-support.ts; the contract both
 * backends share is in run-primitives-contract-*.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { codeOf, useSqliteRunPrimitives } from "./sqlite-run-primitives-support.js";

describe("workflow primitives on SQLite", () => {
  const fx = useSqliteRunPrimitives();
  const { setUp, running } = fx;
  let b: StoreBackend;
  let other: StoreBackend;
  beforeAll(() => {
    ({ b, other } = fx);
  });

  it("events: upsert (last write wins), read, listed by key; RUN_NOT_FOUND for an unknown run", async () => {
    const s = await setUp();
    const { run } = await running(s);
    const first = await b.setRunEvent({ runId: run.id, key: "b", value: '{"v":1}', now: s.clock(1) });
    expect(first).toMatchObject({
      runId: run.id,
      key: "b",
      value: { v: 1 },
      createdAt: s.clock(1),
      updatedAt: s.clock(1),
    });
    const second = await other.setRunEvent({ runId: run.id, key: "b", value: '"two"', now: s.clock(2) });
    expect(second).toMatchObject({ value: "two", createdAt: s.clock(1), updatedAt: s.clock(2) });
    await b.setRunEvent({ runId: run.id, key: "a", value: "null", now: s.clock(3) });
    expect(await b.getRunEvent({ runId: run.id, key: "b" })).toEqual({ runExists: true, event: second });
    expect(await b.getRunEvent({ runId: run.id, key: "zz" })).toEqual({ runExists: true, event: null });
    expect(await b.getRunEvent({ runId: 987_654_321, key: "b" })).toEqual({ runExists: false, event: null });
    expect((await b.listRunEvents({ runId: run.id })).map((e) => [e.key, e.value])).toEqual([
      ["a", null],
      ["b", "two"],
    ]);
    expect(await codeOf(b.setRunEvent({ runId: 987_654_321, key: "b", value: "1", now: s.clock() }))).toBe(
      "RUN_NOT_FOUND",
    );
  });

  it("deleting a queue deletes its runs' messages, events and steps; a deleted parent leaves its children", async () => {
    const s = await setUp();
    const { run } = await running(s);
    await b.sendRunMessage({
      runId: run.id,
      topic: "t",
      payload: "1",
      idempotencyKey: null,
      senderRunId: null,
      now: s.clock(2),
    });
    await b.setRunEvent({ runId: run.id, key: "k", value: "1", now: s.clock(2) });
    await b.beginRunOp({ runId: run.id, name: "op", kind: "sleep", input: null, now: s.clock(2) });
    const s2 = await setUp();
    const child = await b.triggerRun({
      workflowName: s2.workflowName,
      payload: "{}",
      idempotencyKey: null,
      parentRunId: run.id,
      now: s2.clock(),
    });
    await b.purgeQueue({ queueId: s.queueId });
    expect(await b.getRun(run.id)).toBeNull();
    expect(await b.listRunMessages({ runId: run.id })).toEqual([]);
    expect(await b.listRunEvents({ runId: run.id })).toEqual([]);
    expect(await b.listSteps({ runId: run.id })).toEqual([]);
    expect(await b.getRun(child.run.id)).toMatchObject({ status: "QUEUED", parentRunId: null });
  });
});
