/**
 * Retention's sweep (issue 18): archived messages past their queue's period deleted in bounded batches, never
 * unarchived ones; `maxBatches` and pacing; two stores sweeping at once (PostgreSQL); and the sweep a running poll
 * loop starts from the store's maintenance. Virtual time only. The policies, dead letters, `purgeArchived` and
 * finished runs: retention-policies.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { archived, count, DAY, unique } from "../support/retention-rows.js";
import { openTestStore, type TestStore } from "../support/stores.js";

describe.each(EVERY_BACKEND)("retention on %s", (backend) => {
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
