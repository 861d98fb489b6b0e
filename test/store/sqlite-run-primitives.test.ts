/**
 * The workflow primitives on SQLite (src/store/sqlite/sqlite-run-primitives.ts, sqlite-run-messages.ts): the
 * migration over an existing file, the store-level rules of run-primitives.ts, and what only SQLite shows (two
 * connections on one file, timestamps in the file's own form). The contract both backends share is also in
 * run-primitives-contract.test.ts.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteConnection } from "../../src/store/sqlite/sqlite-connection.js";
import { installUpTo } from "../../src/store/sqlite/sqlite-migrations.js";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, RunRecord, WorkflowStatus } from "../../src/types.js";
import { testClock } from "../support/backend-factories.js";
import { freshSqlitePath, uniqueName } from "../support/backends.js";

const open: StoreBackend[] = [];

function backendOn(path: string): StoreBackend {
  const b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
  open.push(b);
  return b;
}

afterAll(async () => {
  for (const b of open) await b.close();
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe("migration 0005 on SQLite", () => {
  it("upgrades a file at 0004: existing runs and steps read with the defaults, verify passes", async () => {
    const path = freshSqlitePath();
    const at0004 = new SqliteConnection({ path, useWal: true, busyTimeoutMs: 5_000 });
    installUpTo(at0004, 4);
    at0004.close();
    const raw = new Database(path);
    expect(raw.prepare("SELECT MAX(version) AS v FROM pgqrs_migrations").get()).toEqual({ v: 4 });
    raw.exec(`INSERT INTO pgqrs_queues (id, queue_name) VALUES (1, 'wf');
      INSERT INTO pgqrs_workflows (id, name, queue_id) VALUES (1, 'wf', 1);
      INSERT INTO pgqrs_messages (id, queue_id, payload) VALUES (1, 1, '{"input":1}');
      INSERT INTO pgqrs_workflow_runs (id, workflow_id, message_id, status) VALUES (1, 1, 1, 'PAUSED');
      INSERT INTO pgqrs_workflow_steps (run_id, step_name, status) VALUES (1, 's', 'SUCCESS');`);
    raw.close();

    const b = backendOn(path);
    await expect(b.verify()).rejects.toMatchObject({ code: "SCHEMA_VALIDATION" });
    await b.install();
    await b.verify();
    expect(await b.getRun(1)).toMatchObject({ id: 1, status: "PAUSED", parentRunId: null, waitingFor: null });
    expect((await b.listSteps({ runId: 1 }))[0]).toMatchObject({ stepName: "s", kind: "step" });
    await b.install(); // nothing left to apply
    await b.verify();
  });
});

describe("workflow primitives on SQLite", () => {
  const path = freshSqlitePath();
  let b: StoreBackend;
  let other: StoreBackend; // a second connection to the same file, as another process would have
  beforeAll(async () => {
    b = backendOn(path);
    await b.install();
    other = backendOn(path);
  });

  interface Setup {
    clock: (ms?: number) => Date;
    queueId: number;
    workflowName: string;
    workerId: number;
  }

  async function setUp(): Promise<Setup> {
    const clock = testClock();
    const workflowName = uniqueName("wf");
    const wf = await b.createWorkflow({ name: workflowName, now: clock() });
    const worker = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: clock() });
    return { clock, queueId: wf.queueId, workflowName, workerId: worker.id };
  }

  async function trigger(
    s: Setup,
    opts: { key?: string; parentRunId?: number; at?: number } = {},
  ): Promise<{ message: QueueMessage; run: RunRecord; created: boolean }> {
    return b.triggerRun({
      workflowName: s.workflowName,
      payload: '{"input":{"n":1}}',
      idempotencyKey: opts.key ?? null,
      parentRunId: opts.parentRunId ?? null,
      now: s.clock(opts.at ?? 0),
    });
  }

  /** Trigger a run and claim its message: the run is RUNNING, its message held by the setup's worker. */
  async function running(
    s: Setup,
    opts: { parentRunId?: number } = {},
  ): Promise<{ run: RunRecord; messageId: number }> {
    const { message } = await trigger(s, opts);
    const [claimed] = await b.dequeue({
      queueId: s.queueId,
      workerId: s.workerId,
      limit: 1,
      leaseMs: 60_000,
      now: s.clock(1),
      maxReadCt: 10,
    });
    expect(claimed?.id).toBe(message.id);
    const run = await b.startRun({ message: claimed!, now: s.clock(1) });
    expect(run.status).toBe("RUNNING");
    return { run, messageId: message.id };
  }

  async function messageOf(id: number): Promise<QueueMessage> {
    return (await b.getMessage(id))!;
  }

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
