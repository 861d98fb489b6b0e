/**
 * Issue 17 on a real PostgreSQL: outbox enqueues in the application's transaction (rollback, commit, the NOTIFY at
 * the commit reaching this store's own listener, ordered groups across a transaction) and the `pgqrs_enqueue` SQL
 * function.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { postgresDsn, uniqueName } from "../support/backends.js";
import { errorCode } from "../support/stores.js";
import { client, clockFrom, lockWaiters, usePgStores, workers } from "./pg-queue-controls-support.js";

const stores = usePgStores(2, 4);

async function worker(b: StoreBackend, queueId: number, now: Date): Promise<number> {
  return (await workers(b, queueId, 1, now))[0]!;
}

/**
 * A promise resolved by the store's next notification for the queue, and whether it came yet. A listener that
 * reconnects wakes its subscribers once at once (it may have missed notifications); that happens before `listen`
 * resolves, so only what comes after counts.
 */
async function nextWake(b: StoreBackend, queueId: number) {
  let armed = false;
  let woke = false;
  let resolve: () => void = () => undefined;
  const woken = new Promise<void>((r) => {
    resolve = r;
  });
  const stop = await b.listen!({
    queueId,
    onNotify: () => {
      if (!armed) return;
      woke = true;
      resolve();
    },
  });
  armed = true;
  return { woken, came: () => woke, stop };
}

describe("outbox: enqueue in the application's transaction (PostgreSQL)", () => {
  it("rollback leaves nothing; commit makes the rows and wakes this store's own listener at the commit", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("outbox"), now: t() });
    const count = async () =>
      Number(
        (await s.raw.query(`SELECT pg_catalog.count(*) AS n FROM ${s.t("pgqrs_messages")} WHERE queue_id = $1`, [q.id]))
          .rows[0].n,
      );
    const app = await client();
    try {
      await app.query("BEGIN");
      const one = await b.enqueue({
        queueId: q.id,
        payloads: ['{"a":1}'],
        producerWorkerId: null,
        enqueuedAt: t(),
        visibleAt: t(),
        tx: app,
      });
      const many = await b.enqueue({
        queueId: q.id,
        payloads: ['{"b":1}', '{"b":2}'],
        producerWorkerId: null,
        enqueuedAt: t(),
        visibleAt: t(),
        tx: app,
        priority: 3,
      });
      expect(many.map((m) => m.priority)).toEqual([3, 3]);
      // Seen inside the transaction, not outside it.
      expect(
        (await app.query(`SELECT pg_catalog.count(*) AS n FROM ${s.t("pgqrs_messages")} WHERE queue_id = $1`, [q.id]))
          .rows[0].n,
      ).toBe("3");
      expect(await count()).toBe(0);
      await app.query("ROLLBACK");
      expect(await count()).toBe(0);
      expect(one).toHaveLength(1);

      const wake = await nextWake(b, q.id);
      await app.query("BEGIN");
      const [kept] = await b.enqueue({
        queueId: q.id,
        payloads: ['{"c":1}'],
        producerWorkerId: null,
        enqueuedAt: t(),
        visibleAt: t(),
        tx: app,
      });
      // The server holds the notification until the commit.
      await s.raw.query("SELECT 1");
      expect(wake.came()).toBe(false);
      await app.query("COMMIT");
      await wake.woken;
      await wake.stop();
      expect(await count()).toBe(1);
      expect((await b.getMessage(kept!.id))?.payload).toEqual({ c: 1 });
    } finally {
      await app.end();
    }
  });

  it("tx must be a client: a pool or a plain object is VALIDATION_FAILED and writes nothing", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("outbox"), now: t() });
    const pool = new pg.Pool({ connectionString: postgresDsn(), max: 1 });
    try {
      for (const tx of [pool, {}, "client", null]) {
        const p = { queueId: q.id, payloads: ["1"], producerWorkerId: null, enqueuedAt: t(), visibleAt: t(), tx };
        expect(await errorCode(() => b.enqueue(p))).toBe("VALIDATION_FAILED");
      }
    } finally {
      await pool.end();
    }
    const n = await s.raw.query(`SELECT pg_catalog.count(*) AS n FROM ${s.t("pgqrs_messages")} WHERE queue_id = $1`, [
      q.id,
    ]);
    expect(n.rows[0].n).toBe("0");
  });

  it("a grouped enqueue waits for an open transaction's enqueue of the same group: ids follow commit order", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("groups"), now: t() });
    const app = await client();
    try {
      await app.query("BEGIN");
      const [inTx] = await b.enqueue({
        queueId: q.id,
        payloads: ['"first"'],
        producerWorkerId: null,
        enqueuedAt: t(),
        visibleAt: t(),
        groupKey: "g",
        tx: app,
      });
      const other = s.all[1]!.enqueue({
        queueId: q.id,
        payloads: ['"second"'],
        producerWorkerId: null,
        enqueuedAt: t(),
        visibleAt: t(),
        groupKey: "g",
      });
      // Another group is not held up.
      const [free] = await s.all[1]!.enqueue({
        queueId: q.id,
        payloads: ['"h"'],
        producerWorkerId: null,
        enqueuedAt: t(),
        visibleAt: t(),
        groupKey: "h",
      });
      await lockWaiters(s.raw, 1, s.schema);
      await app.query("COMMIT");
      const [second] = await other;
      expect(second!.id).toBeGreaterThan(inTx!.id);
      expect(free!.id).toBeLessThan(second!.id);
      const w = await worker(b, q.id, t());
      const got = await b.dequeue({ queueId: q.id, workerId: w, limit: 10, leaseMs: 1000, now: t(1), maxReadCt: 5 });
      expect(got.map((m) => m.payload).sort()).toEqual(["first", "h"]);
    } finally {
      await app.end();
    }
  });
});

describe("pgqrs_enqueue (the SQL function)", () => {
  it("enqueues with delay, priority and keys; returns the existing id on a dedup hit; raises on an unknown queue", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const name = uniqueName("sqlfn");
    const q = await b.createQueue({ name, now: t() });
    const fn = `"${s.schema}".pgqrs_enqueue`;
    const call = async (args: string, values: unknown[] = []) =>
      Number((await s.raw.query(`SELECT ${fn}(${args}) AS id`, values)).rows[0].id);

    const wake = await nextWake(b, q.id);
    const plain = await call("$1, '{\"a\":1}'::jsonb", [name]);
    await wake.woken;
    await wake.stop();
    const m = await b.getMessage(plain);
    expect(m).toMatchObject({
      queueId: q.id,
      payload: { a: 1 },
      priority: 0,
      dedupKey: null,
      groupKey: null,
      readCt: 0,
    });
    expect(m!.vt).toEqual(m!.enqueuedAt);

    const delayed = await call("$1, '2'::jsonb, delay_seconds => 90, priority => 4, group_key => 'g'", [name]);
    const d = await b.getMessage(delayed);
    expect(d!.vt.getTime() - d!.enqueuedAt.getTime()).toBe(90_000);
    expect(d).toMatchObject({ priority: 4, groupKey: "g" });

    const keyed = await call("$1, '3'::jsonb, dedup_key => 'k'", [name]);
    expect(await call("$1, '4'::jsonb, dedup_key => 'k'", [name])).toBe(keyed);
    expect((await b.getMessage(keyed))?.payload).toBe(3);

    await expect(s.raw.query(`SELECT ${fn}('no-such-queue', '1'::jsonb)`)).rejects.toMatchObject({ code: "P0002" });
  });

  it("inside an application transaction: nothing on rollback, the row and the wake-up at commit", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const name = uniqueName("sqlfn");
    const q = await b.createQueue({ name, now: t() });
    const app = await client();
    try {
      await app.query("BEGIN");
      await app.query(`SELECT "${s.schema}".pgqrs_enqueue($1, '1'::jsonb)`, [name]);
      await app.query("ROLLBACK");
      const wake = await nextWake(b, q.id);
      await app.query("BEGIN");
      const id = Number(
        (await app.query(`SELECT "${s.schema}".pgqrs_enqueue($1, '2'::jsonb) AS id`, [name])).rows[0].id,
      );
      expect(wake.came()).toBe(false);
      await app.query("COMMIT");
      await wake.woken;
      await wake.stop();
      const rows = await s.raw.query(`SELECT id FROM ${s.t("pgqrs_messages")} WHERE queue_id = $1`, [q.id]);
      expect(rows.rows.map((r) => Number(r.id))).toEqual([id]);
    } finally {
      await app.end();
    }
  });
});
