/**
 * Retention (issue 18): per-queue and per-workflow policies (defaults archived 7d, dead letters 30d, finished runs
 * 30d; `false` keeps everything), the sweep in bounded batches, `purgeArchived`, and what is never deleted:
 * unarchived messages, unfinished runs (and runs an unfinished run depends on). Virtual time only.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore, type TestStore } from "../support/stores.js";

const DAY = 86_400_000;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${++counter}_${Math.random().toString(36).slice(2, 7)}`;

/** Enqueue `n` messages to `queue`, claim and archive them all at the clock's time; returns their ids. */
async function archived(t: TestStore, queue: string, n: number): Promise<number[]> {
  const producer = await t.store.producer(queue);
  const consumer = await t.store.consumer(queue);
  await producer.enqueueBatch(Array.from({ length: n }, (_, i) => ({ i })));
  const ids: number[] = [];
  for (;;) {
    const got = await consumer.dequeueMany(100, 3600);
    if (got.length === 0) break;
    await consumer.archiveMany(got.map((m) => m.id));
    ids.push(...got.map((m) => m.id));
  }
  return ids;
}

async function count(t: TestStore, queue: string, state: "active" | "archived" | "dead" | "all"): Promise<number> {
  const q = await pgqrs.admin(t.store).getQueue(queue);
  return t.store.context.backend.countMessages({ queueId: q.id, state });
}

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

  it("the sweep deletes archived messages past the queue's period, in bounded batches, never unarchived ones", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const [plain, short, kept] = [unique("ret_plain"), unique("ret_short"), unique("ret_kept")];
    for (const q of [plain, short, kept]) await admin.createQueue(q);
    await admin.setRetention(short, { archived: "1h" });
    await admin.setRetention(kept, false);
    for (const q of [plain, short, kept]) await archived(t, q, 25);
    t.clock.advance(2 * 3_600_000);
    // Newer archived rows and unarchived ones (pending and leased) of every queue.
    for (const q of [plain, short, kept]) {
      await archived(t, q, 3);
      const producer = await t.store.producer(q);
      await producer.enqueueBatch([{ p: 1 }, { p: 2 }]);
      await (await t.store.consumer(q)).dequeueMany(1, 3600);
    }

    const progress: pgqrs.RetentionProgress[] = [];
    const first = await admin.runRetention({ batchSize: 10, onProgress: (p) => progress.push(p) });
    // `short` lost its 25 old rows (3 batches of ≤ 10 for that kind), nothing else was due.
    expect(first).toMatchObject({ messages: 25, runs: 0, busy: false, caughtUp: true });
    expect(progress.every((p) => p.messages <= p.batches * 10)).toBe(true);
    expect(await count(t, short, "archived")).toBe(3);
    expect(await count(t, plain, "archived")).toBe(28);

    t.clock.advance(8 * DAY);
    const second = await admin.runRetention({ batchSize: 7 });
    expect(second.messages).toBe(28 + 3);
    for (const q of [plain, short]) {
      expect(await count(t, q, "archived")).toBe(0);
      expect(await count(t, q, "active")).toBe(2);
    }
    expect(await count(t, kept, "archived")).toBe(28);
    expect(await count(t, kept, "active")).toBe(2);
  });

  it("maxBatches bounds a round; the next round continues", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_bounded");
    await admin.createQueue(q);
    await archived(t, q, 30);
    t.clock.advance(8 * DAY);
    const { sweepRetention } = await import("../../src/retention/retention-sweep.js");
    // A round runs the dead-letter kind first (one empty batch here), then the archived kind.
    const round = await sweepRetention(t.store.context.backend, t.clock, { batchSize: 8, maxBatches: 3 });
    expect(round).toMatchObject({ messages: 16, batches: 3, caughtUp: false });
    expect(await count(t, q, "archived")).toBe(14);
    // Paced: a pause after each batch as long as the batch took (the clock's timers), same result.
    const rest = await sweepRetention(t.store.context.backend, t.clock, { batchSize: 8, maxBatches: 3, pauseRatio: 1 });
    expect(rest.messages).toBe(14);
    expect(await count(t, q, "archived")).toBe(0);
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

describe("retention on postgres: concurrent sweeps", () => {
  it("two stores sweeping at once delete each row once, without deadlock or error", async () => {
    const t = await openTestStore("postgres");
    const other = await pgqrs.connect(t.dsn, { schema: t.schema, clock: t.clock });
    try {
      const admin = pgqrs.admin(t.store);
      const q = unique("ret_race");
      await admin.createQueue(q);
      await archived(t, q, 600);
      t.clock.advance(8 * DAY);
      const [a, b] = await Promise.all([
        pgqrs.admin(t.store).runRetention({ batchSize: 50 }),
        pgqrs.admin(other).runRetention({ batchSize: 50 }),
      ]);
      expect(a.messages + b.messages).toBe(600);
      expect(await count(t, q, "all")).toBe(0);
      // The maintenance form (no wait) gives way: a held lock makes it report busy and delete nothing.
      await archived(t, q, 5);
      t.clock.advance(8 * DAY);
      const { sweepRetention } = await import("../../src/retention/retention-sweep.js");
      const pg = await import("pg");
      const holder = new pg.default.Client({ connectionString: t.dsn });
      await holder.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(
          "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('pgqrs_retention', pg_catalog.to_regnamespace($1)::oid::bigint))",
          [`"${t.schema}"`],
        );
        const busy = await sweepRetention(t.store.context.backend, t.clock, {});
        expect(busy).toMatchObject({ busy: true, messages: 0 });
        expect(await count(t, q, "archived")).toBe(5);
      } finally {
        await holder.query("ROLLBACK");
        await holder.end();
      }
      expect((await sweepRetention(t.store.context.backend, t.clock, {})).messages).toBe(5);
    } finally {
      await other.close();
    }
  });
});

describe.each(EVERY_BACKEND)("retention maintenance on %s", (backend) => {
  it("a running poll loop sweeps due rows from the store's maintenance; without loops nothing is swept", async () => {
    const { openVirtualStore } = await import("../support/virtual-time.js");
    const { storeTasksOf } = await import("../../src/workers/store-tasks.js");
    const { RETENTION_SWEEP_MS } = await import("../../src/retention/retention-maintenance.js");
    const t = await openVirtualStore(backend, { pollIntervalMs: 1_000 });
    const admin = pgqrs.admin(t.store);
    const [q, work] = [unique("ret_m"), unique("ret_work")];
    await admin.createQueue(q);
    await admin.createQueue(work);
    await admin.setRetention(q, { archived: "1m" });
    await archived(t as unknown as TestStore, q, 20);
    // No loop: time passes, nothing is deleted.
    t.clock.advance(3 * RETENTION_SWEEP_MS);
    expect(await count(t as unknown as TestStore, q, "archived")).toBe(20);

    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(await t.store.consumer(work))
      .signal(ctl.signal)
      .handle(async () => undefined)
      .poll(t.store);
    await expect.poll(() => storeTasksOf(t.store.context).running, { timeout: 15_000 }).toBe(true);
    // Time passes in 5 s steps, each step's round (started by the timer the loop keeps running) finished first.
    for (let elapsed = 0; elapsed <= RETENTION_SWEEP_MS; elapsed += 5_000) {
      t.clock.advance(5_000);
      await storeTasksOf(t.store.context).settled();
    }
    await expect.poll(() => count(t as unknown as TestStore, q, "archived"), { timeout: 15_000 }).toBe(0);
    ctl.abort();
    await loop;
  });
});
