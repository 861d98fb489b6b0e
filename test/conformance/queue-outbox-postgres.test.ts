/**
 * Queue controls, enqueue in your own transaction on PostgreSQL (issue 17 item 1): `enqueue(p, { tx })` and
 * `enqueueBatch(ps, { tx })` with the application's node-postgres client in its transaction: the message exists if
 * and only if the transaction commits, and consumers (this store's and another process's) are woken at commit;
 * `pgqrs_enqueue(...)` enqueues from SQL.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { handled, sleepCount, spawnConsumer, stopChild } from "../fixtures/queue-controls-spawn.js";
import { postgresDsn } from "../support/backends.js";
import { sleepingOutboxLoop } from "../support/outbox-loop.js";
import { openTestStore, thrown } from "../support/stores.js";
import { untilTimerAt } from "../support/virtual-time.js";

/** The application's own connection, closed after the file's tests. */
async function appClient(): Promise<pg.Client> {
  const app = new pg.Client({ connectionString: postgresDsn() });
  await app.connect();
  afterAll(() => app.end());
  return app;
}

describe("outbox on postgres", () => {
  const open = async (opts: Parameters<typeof openTestStore>[1] = {}) => {
    const t = await openTestStore("postgres", opts);
    await pgqrs.admin(t.store).createQueue("outbox");
    return { ...t, app: await appClient(), producer: await t.store.producer("outbox") };
  };
  const count = (store: pgqrs.Store) => store.tables().messages().count();

  it("rollback leaves nothing; commit is seen; uncommitted is invisible to the store", async () => {
    const { store, app, producer } = await open();
    await app.query("BEGIN");
    const rolledBack = await producer.enqueue({ order: 1 }, { tx: app });
    expect(rolledBack.payload).toEqual({ order: 1 });
    const batch = await producer.enqueueBatch([{ order: 2 }, { order: 3 }], { tx: app, priority: 3 });
    expect(batch).toHaveLength(2);
    expect(await count(store)).toBe(0);
    await app.query("ROLLBACK");
    expect(await count(store)).toBe(0);

    await app.query("BEGIN");
    const one = await producer.enqueue({ order: 4 }, { tx: app });
    const two = await producer.enqueueBatch([{ order: 5 }, { order: 6 }], { tx: app, groupKey: "g" });
    expect(await count(store)).toBe(0);
    await app.query("COMMIT");
    expect(await count(store)).toBe(3);
    const stored = await store.tables().messages().get(one.id);
    expect(stored?.payload).toEqual({ order: 4 });
    expect((await store.tables().messages().get(two[1]!.id))?.groupKey).toBe("g");
    const c = await store.consumer("outbox");
    const claimed = await c.dequeue({ batchSize: 10 });
    // Order 6 waits behind order 5, the head of its group.
    expect(claimed.map((m) => m.payload)).toEqual([{ order: 4 }, { order: 5 }]);
  });

  it("the message commits or rolls back with the application's own writes", async () => {
    const { store, app, producer, schema } = await open();
    await app.query(`CREATE TABLE "${schema}".orders (id int primary key)`);
    for (const outcome of ["ROLLBACK", "COMMIT"] as const) {
      await app.query("BEGIN");
      await app.query(`INSERT INTO "${schema}".orders VALUES (1)`);
      await producer.enqueue({ orderId: 1 }, { tx: app, dedupKey: "order-1" });
      await app.query(outcome);
    }
    const orders = await app.query(`SELECT count(*)::int AS n FROM "${schema}".orders`);
    expect(orders.rows[0].n).toBe(1);
    expect(await count(store)).toBe(1);
    // A duplicate inside another transaction finds the committed one.
    await app.query("BEGIN");
    const dup = await producer.enqueue({ orderId: 1 }, { tx: app, dedupKey: "order-1" });
    await app.query("COMMIT");
    expect(dup.deduplicated).toBe(true);
    expect(await count(store)).toBe(1);
  });

  it("a dedup key held by an open transaction: a concurrent enqueue follows its outcome", async () => {
    const { store, app, producer } = await open();
    for (const outcome of ["COMMIT", "ROLLBACK"] as const) {
      const key = `pending-${outcome}`;
      await app.query("BEGIN");
      const inTx = await producer.enqueue({ from: "tx" }, { tx: app, dedupKey: key });
      const concurrent = producer.enqueue({ from: "store" }, { dedupKey: key });
      await app.query(outcome);
      const result = await concurrent;
      if (outcome === "COMMIT") {
        expect(result.deduplicated).toBe(true);
        expect(result.id).toBe(inTx.id);
      } else {
        expect(result.deduplicated).toBeUndefined();
        expect(result.payload).toEqual({ from: "store" });
      }
    }
    expect(await count(store)).toBe(2);
  });

  it("the enqueue builder's tx(client) enqueues in the transaction", async () => {
    const { store, app } = await open();
    await app.query("BEGIN");
    await pgqrs.enqueue().message("gone").to("outbox").tx(app).execute(store);
    await app.query("ROLLBACK");
    await app.query("BEGIN");
    const ids = await pgqrs.enqueue().messages(["x", "y"]).to("outbox").tx(app).execute(store);
    expect(await count(store)).toBe(0);
    await app.query("COMMIT");
    expect(await count(store)).toBe(2);
    expect(
      (
        await store
          .tables()
          .messages()
          .get(ids[1] as number)
      )?.payload,
    ).toBe("y");
  });

  it("refuses a tx that is not a client, writing nothing", async () => {
    const { store, producer } = await open();
    for (const tx of [{}, "client", 42, { query: "not a function" }]) {
      const err = await thrown(() => producer.enqueue("x", { tx }));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain("tx");
    }
    expect(await count(store)).toBe(0);
  });

  it("this store's sleeping loop is woken at commit (no time passes)", async () => {
    const { producer, seen, stop } = await sleepingOutboxLoop("postgres", 60_000);
    const app = await appClient();
    await app.query("BEGIN");
    await producer.enqueue("woken", { tx: app });
    await app.query("COMMIT");
    await expect.poll(() => seen, { timeout: 15_000 }).toEqual(["woken"]);
    await stop();
  });

  it("a rolled-back enqueue is never handled by this store's loop (no handoff of uncommitted rows)", async () => {
    const { clock, producer, seen, stop } = await sleepingOutboxLoop("postgres", 1_000);
    const app = await appClient();
    await app.query("BEGIN");
    await producer.enqueue("never", { tx: app });
    await app.query("ROLLBACK");
    for (let i = 0; i < 3; i += 1) {
      clock.advance(1_000);
      await untilTimerAt(clock, 1_000);
    }
    await producer.enqueue("plain");
    await expect.poll(() => seen, { timeout: 15_000 }).toEqual(["plain"]);
    await stop();
  });

  it("a consumer in another process, asleep for 60 s, is woken at commit and by pgqrs_enqueue", async () => {
    const { store, app, producer, dsn, schema } = await open({ clock: pgqrs.systemClock });
    const { child, lines, stderr } = spawnConsumer([dsn, schema, "outbox", "60000"]);
    // A child process starts slowly on a loaded machine (tsx compiles the sources).
    await expect.poll(() => sleepCount(lines), { timeout: 90_000, message: stderr() }).toBeGreaterThan(0);
    await app.query("BEGIN");
    await producer.enqueue({ via: "tx" }, { tx: app });
    await app.query("COMMIT");
    // Handled long before the 60 s poll interval could have ended its sleep.
    await expect.poll(() => handled(lines), { timeout: 40_000 }).toEqual([{ via: "tx" }]);
    // Asleep again after handling it.
    const handledAt = lines.findIndex((l) => l.handled !== undefined);
    await expect.poll(() => sleepCount(lines.slice(handledAt)), { timeout: 20_000 }).toBeGreaterThan(0);
    const r = await app.query(`SELECT "${schema}".pgqrs_enqueue('outbox', '{"via":"sql"}'::jsonb) AS id`);
    const id = Number(r.rows[0].id);
    expect(id).toBeGreaterThan(0);
    await expect.poll(() => handled(lines), { timeout: 40_000 }).toEqual([{ via: "tx" }, { via: "sql" }]);
    expect(lines.find((l) => l.handled !== undefined && (l.handled as { via: string }).via === "sql")?.id).toBe(id);
    await stopChild(child);
    expect((await store.tables().messages().get(id))?.archivedAt).not.toBeNull();
  }, 150_000);

  it("pgqrs_enqueue: delay, priority, dedup and group keys; the existing id on a dedup hit; unknown queue raises", async () => {
    const { store, app, schema } = await open({ clock: pgqrs.systemClock });
    const fn = `"${schema}".pgqrs_enqueue`;
    const call = async (sql: string, values: unknown[] = []) =>
      Number((await app.query(`SELECT ${fn}(${sql}) AS id`, values)).rows[0].id);
    const plain = await call(`'outbox', '{"a":1}'::jsonb`);
    const delayed = await call(`'outbox', '2'::jsonb, 3600`);
    const named = await call(
      `queue_name => 'outbox', payload => '"p"'::jsonb, priority => 7, dedup_key => 'dk', group_key => 'gk'`,
    );
    const dup = await call(`queue_name => 'outbox', payload => '"other"'::jsonb, dedup_key => 'dk'`);
    expect(dup).toBe(named);
    const m = await store.tables().messages().get(named);
    expect(m).toMatchObject({ payload: "p", priority: 7, dedupKey: "dk", groupKey: "gk", readCt: 0 });
    const d = await store.tables().messages().get(delayed);
    expect(d!.vt.getTime() - d!.enqueuedAt.getTime()).toBe(3_600_000);
    expect((await store.tables().messages().get(plain))?.payload).toEqual({ a: 1 });
    expect(await count(store)).toBe(3);
    await expect(app.query(`SELECT ${fn}('no_such_queue', '1'::jsonb)`)).rejects.toThrow(/no_such_queue/);
    expect(await count(store)).toBe(3);
    // Inside a transaction it rolls back with it.
    await app.query("BEGIN");
    await call(`'outbox', '"gone"'::jsonb`);
    await app.query("ROLLBACK");
    expect(await count(store)).toBe(3);
    // Claimed in priority order with the rest.
    const c = await store.consumer("outbox");
    expect((await c.dequeue({ batchSize: 5 })).map((x) => x.id)).toEqual([named, plain]);
  });
});
