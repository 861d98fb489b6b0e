/**
 * Queue controls in the SQLite store's enqueue (issue 17): dedup keys (one active row per key, a window over
 * archived ones, two stores on one file) and enqueues through the application's own better-sqlite3 transaction
 * (outbox): rollback leaves nothing, commit is seen, `db.transaction(fn)` works, anything else is VALIDATION_FAILED.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { EnqueueParams, StoreBackend } from "../../src/store/store.js";
import type { QueueRecord } from "../../src/types.js";
import { testClock } from "../support/backend-factories.js";
import { freshSqlitePath, uniqueName } from "../support/backends.js";

describe("SQLite queue controls: enqueue", () => {
  const path = freshSqlitePath();
  let a: StoreBackend;
  let b: StoreBackend;
  let app: Database.Database;
  beforeAll(async () => {
    a = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
    await a.install();
    b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
    app = new Database(path);
    app.pragma("busy_timeout = 5000");
    app.exec("CREATE TABLE IF NOT EXISTS app_orders (id INTEGER PRIMARY KEY, note TEXT)");
  });
  afterAll(async () => {
    app.close();
    await a.close();
    await b.close();
  });

  const at = testClock();
  const params = (q: QueueRecord, payload: unknown, extra: Partial<EnqueueParams> = {}, ms = 0): EnqueueParams => ({
    queueId: q.id,
    payloads: [JSON.stringify(payload)],
    producerWorkerId: null,
    enqueuedAt: at(ms),
    visibleAt: at(ms),
    ...extra,
  });
  const count = (q: QueueRecord) => a.countMessages({ queueId: q.id, state: "all" });

  it("a dedup key has one active message: a duplicate returns it marked deduplicated, from either store", async () => {
    const q = await a.createQueue({ name: uniqueName("dedup"), now: at() });
    const [first] = await a.enqueue(params(q, "first", { dedupKey: "k", priority: 3, groupKey: "g" }));
    expect(first).toMatchObject({ payload: "first", dedupKey: "k", priority: 3, groupKey: "g", readCt: 0 });
    expect(first?.deduplicated).toBeUndefined();
    const [dup] = await b.enqueue(params(q, "second", { dedupKey: "k" }, 5));
    expect(dup).toEqual({ ...(await a.getMessage(first!.id)), deduplicated: true });
    expect(dup?.payload).toBe("first");
    const [other] = await b.enqueue(params(q, "other key", { dedupKey: "k2" }));
    expect(other?.deduplicated).toBeUndefined();
    expect(await count(q)).toBe(2);
    // A leased message is still active; once archived, the key is free again (no window).
    const w = await a.registerWorker({ name: uniqueName("w"), queueId: q.id, now: at() });
    await a.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1_000, now: at(10), maxReadCt: 5 });
    expect((await a.enqueue(params(q, "while leased", { dedupKey: "k" }, 11)))[0]?.deduplicated).toBe(true);
    await a.archive({ ids: [first!.id], workerId: w.id, now: at(20) });
    const [fresh] = await b.enqueue(params(q, "after archive", { dedupKey: "k" }, 30));
    expect(fresh?.deduplicated).toBeUndefined();
    expect(fresh?.id).not.toBe(first?.id);
    await expect(a.enqueue({ ...params(q, 1, { dedupKey: "k3" }), payloads: ["1", "2"] })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    expect(await count(q)).toBe(3);
  });

  it("dedupWindowMs also matches a message of the key archived within the window", async () => {
    const q = await a.createQueue({ name: uniqueName("window"), now: at() });
    const w = await a.registerWorker({ name: uniqueName("w"), queueId: q.id, now: at() });
    const [m] = await a.enqueue(params(q, "done", { dedupKey: "job" }));
    await a.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1_000, now: at(1), maxReadCt: 5 });
    await a.archive({ ids: [m!.id], workerId: w.id, now: at(1_000) });
    const [hit] = await b.enqueue(params(q, "again", { dedupKey: "job", dedupWindowMs: 5_000 }, 6_000));
    expect(hit).toMatchObject({ id: m!.id, deduplicated: true, archivedAt: at(1_000) });
    const [miss] = await b.enqueue(params(q, "later", { dedupKey: "job", dedupWindowMs: 5_000 }, 6_001));
    expect(miss?.deduplicated).toBeUndefined();
    // Now an active one exists: it wins over the archived one in the window.
    const [active] = await a.enqueue(params(q, "x", { dedupKey: "job", dedupWindowMs: 60_000 }, 6_002));
    expect(active).toMatchObject({ id: miss!.id, deduplicated: true });
    expect(await count(q)).toBe(2);
  });

  it("tx: the row exists only if the application's transaction commits, and the store sees it then", async () => {
    const q = await a.createQueue({ name: uniqueName("outbox"), now: at() });
    const w = await a.registerWorker({ name: uniqueName("w"), queueId: q.id, now: at() });
    app.exec("BEGIN");
    const [rolled] = await a.enqueue(params(q, "rolled back", { tx: app, priority: 2 }));
    expect(rolled).toMatchObject({ payload: "rolled back", priority: 2 });
    app.exec("ROLLBACK");
    expect(await a.getMessage(rolled!.id)).toBeNull();
    expect(await count(q)).toBe(0);

    app.exec("BEGIN");
    const batch = await a.enqueue({ ...params(q, null, { tx: app, groupKey: "g" }), payloads: ['"c1"', '"c2"'] });
    app.prepare("INSERT INTO app_orders (note) VALUES (?)").run("order 1");
    app.exec("COMMIT");
    expect(await a.getMessages(batch.map((m) => m.id))).toEqual(batch);
    const claimed = await b.dequeue({
      queueId: q.id,
      workerId: w.id,
      limit: 5,
      leaseMs: 1_000,
      now: at(1),
      maxReadCt: 5,
    });
    expect(claimed.map((m) => m.payload)).toEqual(["c1"]);
  });

  it("tx: works inside db.transaction(fn), synchronously, and with a dedup key", async () => {
    const q = await a.createQueue({ name: uniqueName("outbox-fn"), now: at() });
    let pending: ReturnType<StoreBackend["enqueue"]> | undefined;
    const place = app.transaction((note: string) => {
      app.prepare("INSERT INTO app_orders (note) VALUES (?)").run(note);
      pending = a.enqueue(params(q, { note }, { tx: app, dedupKey: note }));
    });
    place("order 2");
    const [m] = await pending!;
    expect(await a.getMessage(m!.id)).toEqual(m);
    place("order 2");
    expect((await pending!)[0]).toMatchObject({ id: m!.id, deduplicated: true });

    const failing = app.transaction(() => {
      pending = a.enqueue(params(q, "lost", { tx: app }));
      throw new Error("the application fails after enqueueing");
    });
    expect(() => failing()).toThrow("the application fails");
    const [lost] = await pending!;
    expect(await a.getMessage(lost!.id)).toBeNull();
    expect(await count(q)).toBe(1);
  });

  it("tx: VALIDATION_FAILED without an open transaction, for other objects, and for another file; nothing written", async () => {
    const q = await a.createQueue({ name: uniqueName("outbox-bad"), now: at() });
    const other = new Database(freshSqlitePath());
    try {
      other.exec("BEGIN");
      for (const tx of [app, {}, "db", { prepare: () => undefined }, other]) {
        await expect(a.enqueue(params(q, "x", { tx })), String(tx)).rejects.toMatchObject({
          code: "VALIDATION_FAILED",
        });
      }
      other.exec("ROLLBACK");
    } finally {
      other.close();
    }
    expect(await count(q)).toBe(0);
  });
});
