/**
 * Queue controls, enqueue in your own transaction on SQLite (issue 17 item 1): `enqueue(p, { tx })` and
 * `enqueueBatch(ps, { tx })` with the application's better-sqlite3 database in a transaction (BEGIN … COMMIT, or
 * `db.transaction(fn)`): the message exists if and only if the transaction commits; this store's loop is woken at
 * commit and a consumer in another process sees it.
 */
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { handled, sleepCount, spawnConsumer, stopChild } from "../fixtures/queue-controls-spawn.js";
import { sleepingOutboxLoop } from "../support/outbox-loop.js";
import { openTestStore, thrown } from "../support/stores.js";

/** The application's own better-sqlite3 connection to the store's file, closed after the file's tests. */
function appDatabase(dsn: string): Database.Database {
  const db = new Database(dsn.slice("sqlite://".length));
  db.pragma("busy_timeout = 5000");
  afterAll(() => db.close());
  return db;
}

describe("outbox on sqlite", () => {
  const open = async () => {
    const t = await openTestStore("sqlite", { clock: pgqrs.systemClock });
    await pgqrs.admin(t.store).createQueue("outbox");
    return { ...t, db: appDatabase(t.dsn), producer: await t.store.producer("outbox") };
  };
  const count = (store: pgqrs.Store) => store.tables().messages().count();

  it("rollback leaves nothing; commit is seen (BEGIN … COMMIT on the application's database)", async () => {
    const { store, db, producer } = await open();
    db.exec("BEGIN IMMEDIATE");
    const m = await producer.enqueue({ order: 1 }, { tx: db });
    expect(m.payload).toEqual({ order: 1 });
    await producer.enqueueBatch([{ order: 2 }, { order: 3 }], { tx: db });
    expect(await count(store)).toBe(0);
    db.exec("ROLLBACK");
    expect(await count(store)).toBe(0);
    db.exec("BEGIN");
    const kept = await producer.enqueue({ order: 4 }, { tx: db, priority: 2 });
    await producer.enqueueBatch([{ order: 5 }], { tx: db });
    db.exec("COMMIT");
    expect(await count(store)).toBe(2);
    expect(await store.tables().messages().get(kept.id)).toMatchObject({ payload: { order: 4 }, priority: 2 });
  });

  it("works inside db.transaction(fn): the insert runs synchronously; a throw rolls it back", async () => {
    const { store, db, producer } = await open();
    db.exec("CREATE TABLE app_orders (id INTEGER PRIMARY KEY)");
    // A transaction function must not return a promise: the enqueues' promises are kept aside and awaited after.
    let enqueued: Promise<[pgqrs.QueueMessage, pgqrs.QueueMessage[]]> | undefined;
    const placeOrder = db.transaction((id: number, fail: boolean) => {
      db.prepare("INSERT INTO app_orders (id) VALUES (?)").run(id);
      const pending = producer.enqueue({ orderId: id }, { tx: db });
      const batch = producer.enqueueBatch([{ orderId: id, n: 2 }], { tx: db });
      enqueued = Promise.all([pending, batch]);
      if (fail) throw new Error("payment declined");
    });
    expect(() => placeOrder(1, true)).toThrow("payment declined");
    await enqueued;
    expect(await count(store)).toBe(0);
    placeOrder(2, false);
    const [one, [two]] = await (enqueued as NonNullable<typeof enqueued>);
    expect(await count(store)).toBe(2);
    expect((await store.tables().messages().get(one.id))?.payload).toEqual({ orderId: 2 });
    expect((await store.tables().messages().get(two!.id))?.payload).toEqual({ orderId: 2, n: 2 });
    expect(db.prepare("SELECT count(*) AS n FROM app_orders").get()).toEqual({ n: 1 });
  });

  it("refuses a database outside a transaction and anything else, writing nothing", async () => {
    const { store, db, producer } = await open();
    expect(db.inTransaction).toBe(false);
    for (const tx of [db, {}, "db", { prepare: 1, inTransaction: true }]) {
      const err = await thrown(() => producer.enqueue("x", { tx }));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain("tx");
    }
    expect(await count(store)).toBe(0);
  });

  it("this store's sleeping loop is woken once the application's transaction commits; a rollback is never handled", async () => {
    const { dsn, producer, seen, stop } = await sleepingOutboxLoop("sqlite", 60_000);
    const db = appDatabase(dsn);
    db.exec("BEGIN");
    await producer.enqueue("rolled back", { tx: db });
    db.exec("ROLLBACK");
    db.transaction(() => {
      void producer.enqueue("committed", { tx: db });
    })();
    // No virtual time passes: the commit itself wakes the loop.
    await expect.poll(() => seen, { timeout: 15_000 }).toEqual(["committed"]);
    await stop();
  });

  it("a consumer in another process sees the committed message", async () => {
    const { store, db, producer, dsn } = await open();
    const { child, lines, stderr } = spawnConsumer([dsn, "public", "outbox", "100"]);
    // A child process starts slowly on a loaded machine (tsx compiles the sources).
    await expect.poll(() => sleepCount(lines), { timeout: 90_000, message: stderr() }).toBeGreaterThan(0);
    let pending: Promise<pgqrs.QueueMessage> | undefined;
    db.transaction(() => {
      pending = producer.enqueue({ via: "tx" }, { tx: db });
    })();
    const m = await (pending as Promise<pgqrs.QueueMessage>);
    await expect.poll(() => handled(lines), { timeout: 20_000 }).toEqual([{ via: "tx" }]);
    await stopChild(child);
    expect((await store.tables().messages().get(m.id))?.archivedAt).not.toBeNull();
  }, 150_000);
});
