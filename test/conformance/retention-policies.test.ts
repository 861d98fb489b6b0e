/**
 * Retention (issue 18): per-queue and per-workflow policies (defaults archived 7d, dead letters 30d, finished runs
 * 30d; `false` keeps everything), bad values refused with nothing written, dead letters and `purgeArchived`, finished
 * runs with their steps and events, and what is never deleted: unfinished runs (and runs an unfinished run depends
 * on). Virtual time only. The sweep's batches, concurrency and maintenance: retention-sweep.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { archived, count, DAY, unique } from "../support/retention-rows.js";
import { errorCode, openTestStore, type TestStore } from "../support/stores.js";

/** A workflow run taken by a consumer and finished with `to` at the clock's time (its message archived). */
async function finishedRun(t: TestStore, wf: string, to: "SUCCESS" | "ERROR" | "CANCELLED") {
  const { run } = await pgqrs.workflow(wf).trigger({ n: 1 }).start(t.store);
  const consumer = await t.store.consumer(wf);
  const [m] = await consumer.dequeueMany(1, 3600);
  expect(m?.id).toBe(run.messageId);
  const backend = t.store.context.backend;
  const now = t.store.clock.now();
  await backend.acquireStep({ runId: run.id, stepName: "s1", now, owner: "o" });
  await backend.completeStep({ runId: run.id, stepName: "s1", now, output: "1" });
  await backend.setRunEvent({ runId: run.id, key: "k", value: "2", now });
  const r = await backend.completeRunAndArchive({
    id: run.id,
    from: ["QUEUED", "RUNNING"],
    to,
    now,
    output: "3",
    messageId: run.messageId,
    workerId: consumer.id,
  });
  expect(r.archived).toBe(true);
  return run;
}

describe.each(EVERY_BACKEND)("retention on %s", (backend) => {
  it("defaults: archived 7d, dead letters 30d, finished runs 30d; setRetention merges, false keeps all", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_policy");
    await admin.createQueue(q);
    const d = await admin.getRetention(q);
    expect(d).toMatchObject({
      archivedMs: 7 * DAY,
      deadLettersMs: 30 * DAY,
      finishedRunsMs: 30 * DAY,
      isDefault: true,
    });
    const set = await admin.setRetention(q, { archived: "12h" });
    expect(set).toMatchObject({ archivedMs: 12 * 3_600_000, deadLettersMs: 30 * DAY, isDefault: false });
    const more = await admin.setRetention(q, { deadLetters: false, finishedRuns: 60_000 });
    expect(more).toMatchObject({ archivedMs: 12 * 3_600_000, deadLettersMs: false, finishedRunsMs: 60_000 });
    expect(await admin.setRetention(q, false)).toMatchObject({
      archivedMs: false,
      deadLettersMs: false,
      finishedRunsMs: false,
    });
    expect((await admin.resetRetention(q)).isDefault).toBe(true);
    expect((await admin.getRetention(q)).archivedMs).toBe(7 * DAY);
  });

  it("bad durations and unknown names write nothing", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_bad");
    await admin.createQueue(q);
    await admin.setRetention(q, { archived: "1d" });
    for (const bad of ["7 days", "-1d", "1w", "", 1.5, -3, true, null]) {
      expect(await errorCode(() => admin.setRetention(q, { archived: bad as never }))).toBe("VALIDATION_FAILED");
    }
    expect(await errorCode(() => admin.setRetention(q, { kept: "1d" } as never))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => admin.setRetention(q, "7d" as never))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => admin.setRetention("nope_queue", { archived: "1d" }))).toBe("QUEUE_NOT_FOUND");
    expect(await errorCode(() => admin.purgeArchived({ olderThan: "soon" }))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => admin.purgeArchived({} as never))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => admin.runRetention({ batchSize: 0 }))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => admin.runRetention({ pauseRatio: -1 }))).toBe("VALIDATION_FAILED");
    expect((await admin.getRetention(q)).archivedMs).toBe(DAY);
  });

  it("dead letters follow deadLetters; purgeArchived keeps them unless asked", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_dead");
    await admin.createQueue(q);
    const producer = await t.store.producer(q);
    await producer.enqueueBatch([{ d: 1 }, { d: 2 }]);
    const consumer = await t.store.consumer(q);
    const taken = await consumer.dequeueMany(2, 1);
    expect(taken).toHaveLength(2);
    t.clock.advance(2_000);
    const dead = await t.store.context.backend.deadLetter({ maxReadCt: 1, now: t.clock.now() });
    expect(dead.ids).toHaveLength(2);
    await archived(t, q, 4);
    t.clock.advance(8 * DAY);
    // Archived rows went at 7 days; dead letters wait for 30.
    expect((await admin.runRetention()).messages).toBe(4);
    expect(await count(t, q, "dead")).toBe(2);
    expect((await admin.purgeArchived({ olderThan: "1d" })).messages).toBe(0);
    expect(await count(t, q, "dead")).toBe(2);
    expect((await admin.purgeArchived({ queue: q, olderThan: "1d", deadLetters: true })).messages).toBe(2);
    expect(await count(t, q, "all")).toBe(0);
  });

  it("purgeArchived by date or duration, per queue, whatever the policy", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const [a, b] = [unique("ret_pa"), unique("ret_pb")];
    await admin.createQueue(a);
    await admin.createQueue(b);
    await admin.setRetention(a, false);
    await archived(t, a, 5);
    await archived(t, b, 5);
    const mid = t.clock.now();
    t.clock.advance(60_000);
    await archived(t, a, 2);
    t.clock.advance(60_000);
    expect(await admin.purgeArchived({ queue: a, olderThan: new Date(mid.getTime() + 1) })).toMatchObject({
      messages: 5,
      runs: 0,
    });
    expect(await count(t, a, "archived")).toBe(2);
    expect(await count(t, b, "archived")).toBe(5);
    expect((await admin.purgeArchived({ olderThan: "30s" })).messages).toBe(7);
    expect(await count(t, a, "all")).toBe(0);
    expect(await count(t, b, "all")).toBe(0);
  });

  it("finished runs go after finishedRuns with steps and events; unfinished runs and their relatives stay", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const wf = unique("ret_wf");
    await t.store.createWorkflow(wf);
    const done = await finishedRun(t, wf, "SUCCESS");
    const failed = await finishedRun(t, wf, "ERROR");
    const cancelled = await finishedRun(t, wf, "CANCELLED");
    // An unfinished run (QUEUED, message pending) and a finished child of an unfinished parent.
    const { run: pending } = await pgqrs.workflow(wf).trigger({ n: 2 }).start(t.store);
    const ops = t.store.context.backend;
    t.clock.advance(8 * DAY);
    // Archived messages of a workflow's queue follow finishedRuns (30d), not archived (7d).
    expect((await admin.runRetention()).messages).toBe(0);
    t.clock.advance(30 * DAY);
    const r = await admin.runRetention();
    expect(r).toMatchObject({ messages: 3, runs: 3 });
    for (const run of [done, failed, cancelled]) {
      expect(await ops.getRun(run.id)).toBeNull();
      expect(await ops.listSteps({ runId: run.id })).toEqual([]);
      expect(await ops.listRunEvents({ runId: run.id })).toEqual([]);
    }
    expect((await ops.getRun(pending.id))?.status).toBe("QUEUED");
    expect(await count(t, wf, "active")).toBe(1);

    // A per-workflow policy: finishedRuns false keeps them.
    const wf2 = unique("ret_wf_kept");
    await t.store.createWorkflow(wf2);
    await admin.setRetention(wf2, { finishedRuns: false });
    const kept = await finishedRun(t, wf2, "SUCCESS");
    t.clock.advance(100 * DAY);
    expect((await admin.runRetention()).messages).toBe(0);
    expect((await ops.getRun(kept.id))?.status).toBe("SUCCESS");
  });

  it("a finished run whose parent is unfinished is kept until the parent finishes", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const wf = unique("ret_tree");
    await t.store.createWorkflow(wf);
    const child = await finishedRun(t, wf, "SUCCESS");
    const { run: parent } = await pgqrs.workflow(wf).trigger({ parent: true }).start(t.store);
    // Link the child to the (QUEUED) parent as run.startChild would.
    const { rawSql } = await import("../support/raw-sql.js");
    const raw = await rawSql(backend, t.dsn, t.schema);
    await raw.run(
      {
        sqlite: "UPDATE pgqrs_workflow_runs SET parent_run_id = ? WHERE id = ?",
        postgres: "UPDATE {{schema}}.pgqrs_workflow_runs SET parent_run_id = $1 WHERE id = $2",
      },
      [parent.id, child.id],
    );
    await raw.close();
    t.clock.advance(31 * DAY);
    expect((await admin.runRetention()).runs).toBe(0);
    expect(await t.store.context.backend.getRun(child.id)).not.toBeNull();
    expect(await t.store.context.backend.getRun(parent.id)).not.toBeNull();
  });
});
