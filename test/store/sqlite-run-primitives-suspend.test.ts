/**
 * Suspending and waking a run on SQLite (src/store/sqlite/sqlite-run-primitives.ts): suspendRun pauses and releases the
 * message (waiting_for stored in the file's own timestamp form), is woken at once by what it waits for, and writes
 * nothing when cancelling or lost; wakeRun makes a released message visible from another connection. The setups are in
 * sqlite-run-primitives-support.ts; the contract both backends share is in run-primitives-contract-*.test.ts.
 */
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { useSqliteRunPrimitives } from "./sqlite-run-primitives-support.js";

describe("workflow primitives on SQLite", () => {
  const fx = useSqliteRunPrimitives();
  const { path, setUp, trigger, running, messageOf } = fx;
  let b: StoreBackend;
  let other: StoreBackend;
  beforeAll(() => {
    ({ b, other } = fx);
  });

  it("suspendRun: pauses, stores waiting_for, releases the message until `until` with the read refunded", async () => {
    const s = await setUp();
    const { run, messageId } = await running(s);
    const until = s.clock(3_600_000);
    const waitingFor = JSON.stringify({ kind: "sleep", until, name: "nap" });
    const r = await b.suspendRun({
      runId: run.id,
      messageId,
      workerId: s.workerId,
      now: s.clock(5),
      waitingFor,
      until,
      wakeIf: [],
    });
    expect(r.outcome).toBe("paused");
    expect(r.woken).toBe(false);
    expect(r.run).toMatchObject({
      status: "PAUSED",
      pausedAt: s.clock(5),
      waitingFor: { kind: "sleep", until, name: "nap" },
    });
    expect(r.run?.waitingFor?.until).toBeInstanceOf(Date);
    expect(await b.getRun(run.id)).toEqual(r.run);
    expect(await messageOf(messageId)).toMatchObject({ vt: until, readCt: 0, consumerWorkerId: null });
    // Stored in the file's timestamp form, like every other time.
    const raw = new Database(path, { readonly: true });
    const stored = raw.prepare("SELECT waiting_for FROM pgqrs_workflow_runs WHERE id = ?").get(run.id) as {
      waiting_for: string;
    };
    raw.close();
    expect(JSON.parse(stored.waiting_for).until).toBe(until.toISOString().replace("T", " ").replace("Z", "000"));

    // Held by no one now: a second suspension is lost and writes nothing.
    const lost = await b.suspendRun({
      runId: run.id,
      messageId,
      workerId: s.workerId,
      now: s.clock(6),
      waitingFor,
      until: s.clock(7),
      wakeIf: [],
    });
    expect(lost.outcome).toBe("lost");
    expect((await messageOf(messageId)).vt).toEqual(until);

    // Claimed again at the wake-up: RUNNING clears waiting_for.
    const [again] = await b.dequeue({
      queueId: s.queueId,
      workerId: s.workerId,
      limit: 1,
      leaseMs: 60_000,
      now: until,
      maxReadCt: 10,
    });
    expect(again?.id).toBe(messageId);
    expect(again?.readCt).toBe(1);
    expect(await b.startRun({ message: again!, now: until })).toMatchObject({ status: "RUNNING", waitingFor: null });
  });

  it("suspendRun: woken at once by a pending message, a finished child or a set event", async () => {
    const s = await setUp();
    const until = s.clock(3_600_000);
    const suspend = (runId: number, messageId: number, wakeIf: Parameters<StoreBackend["suspendRun"]>[0]["wakeIf"]) =>
      b.suspendRun({
        runId,
        messageId,
        workerId: s.workerId,
        now: s.clock(5),
        waitingFor: '{"kind":"message"}',
        until,
        wakeIf,
      });

    const a = await running(s);
    await b.sendRunMessage({
      runId: a.run.id,
      topic: "t",
      payload: "1",
      idempotencyKey: null,
      senderRunId: null,
      now: s.clock(2),
    });
    expect((await suspend(a.run.id, a.messageId, [{ kind: "message", topic: "other" }])).woken).toBe(false);
    expect((await messageOf(a.messageId)).vt).toEqual(until);

    const c = await running(s);
    await b.sendRunMessage({
      runId: c.run.id,
      topic: "t",
      payload: "1",
      idempotencyKey: null,
      senderRunId: null,
      now: s.clock(2),
    });
    const byMessage = await suspend(c.run.id, c.messageId, [{ kind: "message", topic: "t" }]);
    expect(byMessage).toMatchObject({ outcome: "paused", woken: true });
    expect((await messageOf(c.messageId)).vt).toEqual(s.clock(5));

    const d = await running(s);
    const child = await trigger(await setUp(), { parentRunId: d.run.id }); // another workflow: not claimed below
    expect((await suspend(d.run.id, d.messageId, [{ kind: "child", childRunId: child.run.id }])).woken).toBe(false);
    const e = await running(s);
    await b.transitionRun({ id: child.run.id, from: ["QUEUED"], to: "SUCCESS", now: s.clock(3), output: "1" });
    expect((await suspend(e.run.id, e.messageId, [{ kind: "child", childRunId: child.run.id }])).woken).toBe(true);

    const f = await running(s);
    await b.setRunEvent({ runId: d.run.id, key: "ready", value: "true", now: s.clock(2) });
    const byEvent = await suspend(f.run.id, f.messageId, [
      { kind: "message", topic: "none" },
      { kind: "event", runId: d.run.id, key: "ready" },
    ]);
    expect(byEvent.woken).toBe(true);
    expect((await messageOf(f.messageId)).vt).toEqual(s.clock(5));
  });

  it("suspendRun: cancelling and lost outcomes write nothing", async () => {
    const s = await setUp();
    const until = s.clock(60_000);
    const args = (runId: number, messageId: number, workerId = s.workerId) => ({
      runId,
      messageId,
      workerId,
      now: s.clock(5),
      waitingFor: '{"kind":"sleep"}',
      until,
      wakeIf: [],
    });
    const a = await running(s);
    await b.transitionRun({ id: a.run.id, from: ["RUNNING"], to: "CANCELLING", now: s.clock(2) });
    const before = await messageOf(a.messageId);
    expect(await b.suspendRun(args(a.run.id, a.messageId))).toMatchObject({ outcome: "cancelling", woken: false });
    expect(await messageOf(a.messageId)).toEqual(before);
    expect((await b.getRun(a.run.id))?.status).toBe("CANCELLING");

    const c = await running(s);
    expect((await b.suspendRun(args(c.run.id, c.messageId, s.workerId + 1_000))).outcome).toBe("lost");
    expect((await b.getRun(c.run.id))?.status).toBe("RUNNING");
    expect((await b.suspendRun(args(987_654_321, c.messageId))).outcome).toBe("lost");
    await b.transitionRun({ id: c.run.id, from: ["RUNNING"], to: "ERROR", now: s.clock(3), error: '"x"' });
    expect((await b.suspendRun(args(c.run.id, c.messageId))).outcome).toBe("lost");
    expect((await messageOf(c.messageId)).consumerWorkerId).toBe(s.workerId);
  });

  it("wakeRun: visible now when nobody holds the message; a held or archived one is left alone", async () => {
    const s = await setUp();
    const a = await running(s);
    const held = await messageOf(a.messageId);
    expect(await b.wakeRun({ runId: a.run.id, now: s.clock(2) })).toBe(true);
    expect(await messageOf(a.messageId)).toEqual(held);

    await b.suspendRun({
      runId: a.run.id,
      messageId: a.messageId,
      workerId: s.workerId,
      now: s.clock(3),
      waitingFor: '{"kind":"pause"}',
      until: s.clock(3_600_000),
      wakeIf: [],
    });
    expect(await other.wakeRun({ runId: a.run.id, now: s.clock(4) })).toBe(true);
    expect((await messageOf(a.messageId)).vt).toEqual(s.clock(4));
    // Already visible: an earlier vt is kept.
    expect(await b.wakeRun({ runId: a.run.id, now: s.clock(8) })).toBe(true);
    expect((await messageOf(a.messageId)).vt).toEqual(s.clock(4));

    const c = await running(s);
    await b.completeRunAndArchive({
      id: c.run.id,
      from: ["RUNNING"],
      to: "SUCCESS",
      now: s.clock(2),
      output: "1",
      messageId: c.messageId,
      workerId: s.workerId,
    });
    expect(await b.wakeRun({ runId: c.run.id, now: s.clock(3) })).toBe(false);
    expect(await b.wakeRun({ runId: 987_654_321, now: s.clock(3) })).toBe(false);
  });
});
