/**
 * Parent and child runs on SQLite (src/store/sqlite/sqlite-run-primitives.ts): waiting_for across transitions, a
 * finished or dead-lettered child waking its parent, and cancelRunTree over a run's unfinished descendants. The setups
 * are in sqlite-run-primitives-support.ts; the contract both backends share is in run-primitives-contract-*.test.ts.
 */
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { useSqliteRunPrimitives } from "./sqlite-run-primitives-support.js";

describe("workflow primitives on SQLite", () => {
  const fx = useSqliteRunPrimitives();
  const { path, setUp, trigger, running, messageOf } = fx;
  let b: StoreBackend;
  beforeAll(() => {
    ({ b } = fx);
  });

  it("transitions: waiting_for written on PAUSED, cleared otherwise; a finished child wakes its parent", async () => {
    const s = await setUp();
    const parent = await running(s);
    const until = s.clock(3_600_000);
    const paused = await b.transitionRun({
      id: parent.run.id,
      from: ["RUNNING"],
      to: "PAUSED",
      now: s.clock(2),
      waitingFor: JSON.stringify({ kind: "retry", until }),
    });
    expect(paused?.waitingFor).toEqual({ kind: "retry", until });
    expect(
      (await b.transitionRun({ id: parent.run.id, from: ["PAUSED"], to: "PAUSED", now: s.clock(3) }))?.waitingFor,
    ).toEqual({ kind: "retry", until });
    expect(
      (await b.transitionRun({ id: parent.run.id, from: ["PAUSED"], to: "RUNNING", now: s.clock(4) }))?.waitingFor,
    ).toBeNull();

    // Parent suspended on its child; the child's end makes the parent's message visible at the child's time.
    const child = await trigger(s, { parentRunId: parent.run.id });
    await b.suspendRun({
      runId: parent.run.id,
      messageId: parent.messageId,
      workerId: s.workerId,
      now: s.clock(5),
      waitingFor: JSON.stringify({ kind: "child", childRunId: child.run.id, until }),
      until,
      wakeIf: [{ kind: "child", childRunId: child.run.id }],
    });
    expect((await messageOf(parent.messageId)).vt).toEqual(until);
    await b.transitionRun({ id: child.run.id, from: ["QUEUED"], to: "RUNNING", now: s.clock(6) });
    expect((await messageOf(parent.messageId)).vt).toEqual(until); // not finished: no wake-up
    await b.completeRunAndArchive({
      id: child.run.id,
      from: ["RUNNING"],
      to: "ERROR",
      now: s.clock(7),
      error: '"boom"',
      messageId: child.message.id,
      workerId: s.workerId,
    });
    expect((await messageOf(parent.messageId)).vt).toEqual(s.clock(7));
    expect(await b.listChildRuns({ runId: parent.run.id })).toEqual([await b.getRun(child.run.id)]);

    // transitionRun alone: a child's end wakes the parent too; a refused transition of a child changes nothing.
    await b.dequeue({ queueId: s.queueId, workerId: s.workerId, limit: 1, leaseMs: 1, now: s.clock(7), maxReadCt: 10 });
    await b.suspendRun({
      runId: parent.run.id,
      messageId: parent.messageId,
      workerId: s.workerId,
      now: s.clock(8),
      waitingFor: '{"kind":"child"}',
      until,
      wakeIf: [],
    });
    const second = await trigger(s, { parentRunId: parent.run.id, at: 9 });
    expect(
      await b.transitionRun({ id: second.run.id, from: ["RUNNING"], to: "CANCELLED", now: s.clock(10) }),
    ).toBeNull();
    expect((await messageOf(parent.messageId)).vt).toEqual(until);
    expect(await b.getRun(second.run.id)).toEqual(second.run);
    const cancelled = await b.transitionRun({ id: second.run.id, from: ["QUEUED"], to: "CANCELLED", now: s.clock(11) });
    expect(cancelled).toMatchObject({ status: "CANCELLED", completedAt: s.clock(11) });
    expect((await messageOf(parent.messageId)).vt).toEqual(s.clock(11));
    // A run without a parent finishes as before.
    const lone = await trigger(s, { at: 12 });
    expect(
      await b.transitionRun({ id: lone.run.id, from: ["QUEUED"], to: "SUCCESS", now: s.clock(13), output: "2" }),
    ).toMatchObject({
      status: "SUCCESS",
      output: 2,
      parentRunId: null,
    });
  });

  it("a dead-lettered child run fails and wakes its parent", async () => {
    const s = await setUp();
    const parent = await running(s);
    const child = await trigger(s, { parentRunId: parent.run.id, at: 2 });
    const until = s.clock(3_600_000);
    await b.suspendRun({
      runId: parent.run.id,
      messageId: parent.messageId,
      workerId: s.workerId,
      now: s.clock(3),
      waitingFor: '{"kind":"child"}',
      until,
      wakeIf: [],
    });
    await b.dequeue({ queueId: s.queueId, workerId: s.workerId, limit: 1, leaseMs: 10, now: s.clock(4), maxReadCt: 1 });
    const dead = await b.deadLetter({ queueId: s.queueId, maxReadCt: 1, now: s.clock(100) });
    expect(dead.failedRuns).toEqual([child.run.id]);
    expect((await messageOf(parent.messageId)).vt).toEqual(s.clock(100));
  });

  it("cancelRunTree: the run and its unfinished descendants → CANCELLING, each woken; finished ones unchanged", async () => {
    const s = await setUp();
    const root = await running(s);
    const childA = await trigger(s, { parentRunId: root.run.id, at: 1 });
    const childB = await trigger(s, { parentRunId: root.run.id, at: 2 });
    await b.transitionRun({ id: childB.run.id, from: ["QUEUED"], to: "SUCCESS", now: s.clock(3), output: "1" });
    const grandchild = await trigger(s, { parentRunId: childB.run.id, at: 4 });
    // The grandchild is paused with its message released for an hour.
    await b.transitionRun({
      id: grandchild.run.id,
      from: ["QUEUED"],
      to: "PAUSED",
      now: s.clock(5),
      waitingFor: '{"kind":"pause"}',
    });
    const db = new Database(path);
    db.prepare("UPDATE pgqrs_messages SET vt = ? WHERE id = ?").run(
      "2099-01-01 00:00:00.000000",
      grandchild.message.id,
    );
    db.close();
    const unrelated = await trigger(s, { at: 6 });

    const cancelled = await b.cancelRunTree({ runId: root.run.id, now: s.clock(10) });
    expect(cancelled).toMatchObject({ id: root.run.id, status: "CANCELLING", waitingFor: null });
    expect((await b.getRun(childA.run.id))?.status).toBe("CANCELLING");
    expect((await b.getRun(childB.run.id))?.status).toBe("SUCCESS");
    expect(await b.getRun(grandchild.run.id)).toMatchObject({ status: "CANCELLING", waitingFor: null });
    expect((await b.getRun(unrelated.run.id))?.status).toBe("QUEUED");
    expect((await messageOf(grandchild.message.id)).vt).toEqual(s.clock(10));
    expect((await messageOf(root.messageId)).consumerWorkerId).toBe(s.workerId); // held: left alone

    // Again: the root is returned unchanged.
    expect(await b.cancelRunTree({ runId: root.run.id, now: s.clock(20) })).toEqual(await b.getRun(root.run.id));
    expect(await b.cancelRunTree({ runId: 987_654_321, now: s.clock(20) })).toBeNull();
    expect((await b.listChildRuns({ runId: root.run.id })).map((r) => r.id)).toEqual([childA.run.id, childB.run.id]);
  });
});
