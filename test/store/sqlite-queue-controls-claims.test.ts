/**
 * Queue controls in the SQLite store (issue 17): claim order by priority, the group head rule, the guard that keeps
 * plain claims off queues with limits, `limited` claims (concurrency and a sliding rate window) across two store
 * instances on one file, releases that dead-letter at the limit with the error, and queue settings.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, QueueRecord } from "../../src/types.js";
import { testClock } from "../support/backend-factories.js";
import { freshSqlitePath, uniqueName } from "../support/backends.js";

const error = (attempt: number) => ({
  name: "TypeError",
  message: `boom ${attempt}`,
  stack: "TypeError: boom\n    at handler (x.ts:1:1)",
  attempt,
  failedAt: "2026-01-01T00:00:00.000Z",
});

describe("SQLite queue controls: claims", () => {
  const path = freshSqlitePath();
  let a: StoreBackend;
  let b: StoreBackend;
  beforeAll(async () => {
    a = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
    await a.install();
    b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  async function setUp(at: Date, settings?: Parameters<StoreBackend["createQueue"]>[0]["settings"]) {
    const q = await a.createQueue({ name: uniqueName("q"), now: at, ...(settings ? { settings } : {}) });
    const w1 = await a.registerWorker({ name: uniqueName("w"), queueId: q.id, now: at });
    const w2 = await a.registerWorker({ name: uniqueName("w"), queueId: q.id, now: at });
    return { q, w1: w1.id, w2: w2.id };
  }

  async function put(
    q: QueueRecord,
    at: Date,
    payloads: unknown[],
    extra: { priority?: number; groupKey?: string } = {},
  ) {
    return a.enqueue({
      queueId: q.id,
      payloads: payloads.map((p) => JSON.stringify(p)),
      producerWorkerId: null,
      enqueuedAt: at,
      visibleAt: at,
      ...extra,
    });
  }

  const claim = (s: StoreBackend, q: QueueRecord, workerId: number, now: Date, limit: number, limited = false) =>
    s.dequeue({ queueId: q.id, workerId, limit, leaseMs: 60_000, now, maxReadCt: 5, ...(limited ? { limited } : {}) });
  const names = (ms: QueueMessage[]) => ms.map((m) => m.payload);

  it("claims higher priority first, oldest first within a priority, and returns rows in that order", async () => {
    const t = testClock();
    const { q, w1 } = await setUp(t());
    await put(q, t(1), ["low"], { priority: -5 });
    await put(q, t(2), ["p0-old", "p0-new"]);
    const [high] = await put(q, t(3), ["high"], { priority: 7 });
    await put(q, t(4), ["high-later"], { priority: 7 });
    expect(high).toMatchObject({ priority: 7, groupKey: null, dedupKey: null, lastError: null });
    const got = await claim(a, q, w1, t(10), 3);
    expect(names(got)).toEqual(["high", "high-later", "p0-old"]);
    expect(got.map((m) => m.priority)).toEqual([7, 7, 0]);
    expect(got).toEqual(
      await a.getMessages(got.map((m) => m.id)).then((r) => got.map((m) => r.find((x) => x.id === m.id))),
    );
    expect(names(await claim(a, q, w1, t(10), 5))).toEqual(["p0-new", "low"]);
  });

  it("delivers a group one message at a time in enqueue order, groups in parallel", async () => {
    const t = testClock();
    const { q, w1, w2 } = await setUp(t());
    await put(q, t(1), ["a1", "a2", "a3"], { groupKey: "A" });
    await put(q, t(2), ["b1", "b2"], { groupKey: "B" });
    await put(q, t(3), ["free1", "free2"]);
    // A later, higher-priority message of group A still waits for its head.
    await put(q, t(4), ["a4-urgent"], { priority: 9, groupKey: "A" });
    const first = await claim(a, q, w1, t(10), 10);
    expect(names(first).sort()).toEqual(["a1", "b1", "free1", "free2"]);
    expect(first.find((m) => m.payload === "a1")?.groupKey).toBe("A");
    // Heads are leased: nothing of A or B for anyone, from either store.
    expect(await claim(b, q, w2, t(11), 10)).toEqual([]);
    const a1 = first.find((m) => m.payload === "a1")!;
    const b1 = first.find((m) => m.payload === "b1")!;
    expect(await a.archive({ ids: [a1.id], workerId: w1, now: t(12) })).toEqual([true]);
    expect(names(await claim(b, q, w2, t(13), 10))).toEqual(["a2"]);
    // A released head (not archived) is still the head: b1 comes back, never b2.
    expect(await a.release({ ids: [b1.id], workerId: w1, now: t(14), visibleAt: t(14) })).toEqual([true]);
    expect(names(await claim(a, q, w1, t(15), 10))).toEqual(["b1"]);
    // A dead-lettered head unblocks its group.
    expect(
      await a.release({ ids: [b1.id], workerId: w1, now: t(16), visibleAt: t(16), deadLetterAtReadCt: 2 }),
    ).toEqual([true]);
    expect(names(await claim(a, q, w1, t(17), 10))).toEqual(["b2"]);
    // Expired leases (a2's head and the free ones, not b2's yet) are claimable again; the rest of group A waits.
    const again = await claim(b, q, w2, t(13 + 60_000), 10);
    expect(names(again).sort()).toEqual(["a2", "free1", "free2"]);
  });

  it("plain claims and hand-offs take nothing from a queue with a limit; retry settings alone do not block", async () => {
    const t = testClock();
    const { q, w1 } = await setUp(t(), { concurrencyLimit: 5 });
    await put(q, t(1), ["x"]);
    expect(await claim(a, q, w1, t(2), 10)).toEqual([]);
    expect(
      await a.archiveAndDequeue({
        queueId: q.id,
        workerId: w1,
        limit: 3,
        leaseMs: 1_000,
        now: t(2),
        maxReadCt: 5,
        archiveIds: [],
      }),
    ).toEqual({ archived: [], messages: [] });
    const [handed] = await a.enqueue({
      queueId: q.id,
      payloads: ['"y"'],
      producerWorkerId: null,
      enqueuedAt: t(3),
      visibleAt: t(3),
      leaseTo: { workerId: w1, now: t(3), leaseEnd: t(60_003), maxReadCt: 5 },
    });
    expect(handed?.consumerWorkerId).toBeNull();
    expect(names(await claim(a, q, w1, t(4), 10, true))).toEqual(["x", "y"]);

    const r = await setUp(t(), { retry: { baseMs: 10 } });
    await put(r.q, t(1), ["z"]);
    expect(names(await claim(a, r.q, r.w1, t(2), 10))).toEqual(["z"]);
  });

  it("limited claims through two stores on one file never lease more than the concurrency limit", async () => {
    const t = testClock();
    const { q, w1, w2 } = await setUp(t(), { concurrencyLimit: 3 });
    await put(q, t(1), [1, 2, 3, 4, 5, 6]);
    const first = await claim(a, q, w1, t(2), 2, true);
    expect(names(first)).toEqual([1, 2]);
    expect(names(await claim(b, q, w2, t(2), 5, true))).toEqual([3]);
    expect(await claim(b, q, w2, t(3), 5, true)).toEqual([]);
    // An archive frees a slot; archiveAndDequeue counts it in the same transaction.
    const next = await a.archiveAndDequeue({
      queueId: q.id,
      workerId: w1,
      limit: 5,
      leaseMs: 60_000,
      now: t(4),
      maxReadCt: 5,
      archiveIds: [first[0]!.id],
      limited: true,
    });
    expect(next.archived).toEqual([true]);
    expect(names(next.messages)).toEqual([4]);
    // Expired leases no longer count (and their messages are claimable again): 4's lease is the only live one.
    expect(names(await claim(b, q, w2, t(2 + 60_000), 5, true))).toEqual([2, 3]);
    const updated = await a.updateQueueSettings({ queueId: q.id, settings: { concurrencyLimit: null }, now: t(5) });
    expect(updated?.concurrencyLimit).toBeNull();
    expect(names(await claim(a, q, w1, t(2 + 60_001), 5))).toEqual([5, 6]);
  });

  it("limited claims keep a sliding rate window across stores", async () => {
    const t = testClock();
    const { q, w1, w2 } = await setUp(t(), { rateLimit: { max: 3, perSeconds: 10 } });
    expect(q.rateLimit).toEqual({ max: 3, perSeconds: 10 });
    await put(
      q,
      t(),
      Array.from({ length: 10 }, (_, i) => i),
    );
    expect((await claim(a, q, w1, t(0), 2, true)).length).toBe(2);
    expect((await claim(b, q, w2, t(1_000), 5, true)).length).toBe(1);
    expect(await claim(a, q, w1, t(9_999), 5, true)).toEqual([]);
    // At 10 s the claims made at 0 s leave the window; the one of 1 s still counts.
    expect((await claim(b, q, w2, t(10_000), 5, true)).length).toBe(2);
    expect((await claim(a, q, w1, t(10_500), 5, true)).length).toBe(0);
    expect((await claim(a, q, w1, t(11_000), 5, true)).length).toBe(1);
    expect((await claim(a, q, w1, t(30_000), 9, true)).length).toBe(3);
  });

  it("release stores the error, and dead-letters at deadLetterAtReadCt with it, failing the run", async () => {
    const t = testClock();
    const wf = await a.createWorkflow({ name: uniqueName("wf"), now: t() });
    const q = (await a.getQueueById(wf.queueId))!;
    const w = await a.registerWorker({ name: uniqueName("w"), queueId: q.id, now: t() });
    const [m1, m2] = await put(q, t(), [{ input: 1 }, { input: 2 }]);
    const run = await a.getOrCreateRun({ message: m1!, now: t() });
    await claim(a, q, w.id, t(1), 2);
    const released = await a.release({
      ids: [m1!.id, m2!.id, 999_999],
      workerId: w.id,
      now: t(2),
      visibleAt: t(500),
      error: error(1),
      deadLetterAtReadCt: 2,
    });
    expect(released).toEqual([true, true, false]);
    const [again1, again2] = await a.getMessages([m1!.id, m2!.id]);
    expect(again1).toMatchObject({ archivedAt: null, consumerWorkerId: null, lastError: error(1), readCt: 1 });
    expect(again1?.vt).toEqual(t(500));
    const reclaimed = await claim(a, q, w.id, t(600), 2);
    expect(reclaimed.map((m) => m.lastError)).toEqual([error(1), error(1)]);
    expect(again2?.lastError).toEqual(error(1));
    // Second failure: read_ct 2 reaches the limit, dead-lettered in the same transaction as its run's failure.
    expect(
      await a.release({
        ids: [m1!.id],
        workerId: w.id,
        now: t(700),
        visibleAt: t(700),
        error: error(2),
        deadLetterAtReadCt: 2,
      }),
    ).toEqual([true]);
    const dead = await a.getMessage(m1!.id);
    expect(dead).toMatchObject({ archivedAt: t(700), deadLetteredAt: t(700), lastError: error(2), readCt: 2 });
    expect(await a.getRun(run.id)).toMatchObject({ status: "ERROR", error: { code: "DEAD_LETTERED" } });
    expect(await a.listMessages({ queueId: q.id, state: "dead" })).toHaveLength(1);
    // Without an error, last_error is kept; a refunded delivery never dead-letters.
    expect(
      await a.release({
        ids: [m2!.id],
        workerId: w.id,
        now: t(800),
        visibleAt: t(800),
        refundDelivery: true,
        deadLetterAtReadCt: 1,
      }),
    ).toEqual([true]);
    expect(await a.getMessage(m2!.id)).toMatchObject({ archivedAt: null, readCt: 1, lastError: error(1) });
  });

  it("stores queue settings: create (ifNotExists keeps them), update merges and clears, delete cascades", async () => {
    const t = testClock();
    const name = uniqueName("settings");
    const created = await a.createQueue({
      name,
      now: t(),
      settings: { retry: { maxAttempts: 3, baseMs: 50 }, concurrencyLimit: 2, rateLimit: { max: 5, perSeconds: 0.5 } },
    });
    expect(created).toMatchObject({
      queueName: name,
      retry: { maxAttempts: 3, baseMs: 50 },
      concurrencyLimit: 2,
      rateLimit: { max: 5, perSeconds: 0.5 },
    });
    const again = await b.createQueue({ name, now: t(1), settings: { concurrencyLimit: 9 }, ifNotExists: true });
    expect(again).toEqual(created);
    await expect(b.createQueue({ name, now: t(1) })).rejects.toMatchObject({ code: "QUEUE_ALREADY_EXISTS" });
    const updated = await b.updateQueueSettings({
      queueId: created.id,
      settings: { rateLimit: null, retry: { factor: 3 } },
      now: t(2),
    });
    expect(updated).toMatchObject({ retry: { factor: 3 }, concurrencyLimit: 2, rateLimit: null });
    expect(await a.getQueueByName(name)).toEqual(updated);
    expect((await a.listQueues()).find((x) => x.id === created.id)).toEqual(updated);
    expect(await a.getQueuesByIds([created.id])).toEqual([updated]);
    expect(await a.updateQueueSettings({ queueId: 987_654, settings: { concurrencyLimit: 1 }, now: t(3) })).toBeNull();
    const cleared = await a.updateQueueSettings({
      queueId: created.id,
      settings: { retry: null, concurrencyLimit: null },
      now: t(3),
    });
    expect(cleared).toMatchObject({ retry: null, concurrencyLimit: null, rateLimit: null });
    const plain = await a.createQueue({ name: uniqueName("plain"), now: t() });
    expect(plain).toMatchObject({ retry: null, concurrencyLimit: null, rateLimit: null });
    await a.updateQueueSettings({ queueId: plain.id, settings: { concurrencyLimit: 4 }, now: t(4) });
    await a.purgeQueue({ queueId: plain.id });
    expect((await a.getQueueById(plain.id))?.concurrencyLimit).toBe(4);
    await a.deleteQueue({ queueId: plain.id, queueName: plain.queueName });
    expect(await a.getQueueById(plain.id)).toBeNull();
    await a.verify();
  });
});
