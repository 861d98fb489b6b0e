/**
 * Issue 17 on a real PostgreSQL, store level: failed releases that dead-letter in the same statement, replayed dead
 * letters with a taken dedup key, verify() of the new objects, and queue settings (create with settings,
 * ifNotExists under concurrency, partial updates).
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { MessageError } from "../../src/queue-controls-types.js";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";
import { errorCode } from "../support/stores.js";
import { client, clockFrom, put, usePgStores, workers } from "./pg-queue-controls-support.js";

const stores = usePgStores(2, 4);

async function worker(b: StoreBackend, queueId: number, now: Date): Promise<number> {
  return (await workers(b, queueId, 1, now))[0]!;
}

describe("release of failed deliveries (PostgreSQL)", () => {
  const error: MessageError = {
    name: "Error",
    message: "boom",
    stack: "Error: boom\n    at x",
    attempt: 2,
    failedAt: "2026-03-01T00:00:00.000Z",
  };

  it("dead-letters the rows at the limit and releases the others with the error, in one statement", async () => {
    const dsnPool = new pg.Pool({ connectionString: postgresDsn(), max: 2 });
    const s = stores();
    const statements: string[] = [];
    const seen = new WeakSet<object>();
    const connect = dsnPool.connect.bind(dsnPool);
    // Count what the store sends: every client it borrows has its query() wrapped once.
    (dsnPool as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const c = await connect();
      if (!seen.has(c)) {
        seen.add(c);
        const query = c.query.bind(c) as (...a: unknown[]) => unknown;
        (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
          const first = a[0] as { text?: string } | string;
          statements.push(typeof first === "string" ? first : (first.text ?? ""));
          return query(...a);
        };
      }
      return c;
    };
    const b = await createPostgresBackend({
      pool: dsnPool,
      schema: s.schema,
      maxConnections: 2,
      connectionTimeoutMs: 5_000,
    });
    try {
      const t = clockFrom();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const [early, last] = await put(b, wf.queueId, 2, t());
      const w = await worker(b, wf.queueId, t());
      await b.dequeueAndStartRuns!({
        queueId: wf.queueId,
        workerId: w,
        limit: 2,
        leaseMs: 1_000,
        now: t(1),
        maxReadCt: 5,
      });
      // `last` is on its second delivery, `early` on its first.
      await b.release({ ids: [last!], workerId: w, now: t(2), visibleAt: t(2) });
      await b.dequeue({ queueId: wf.queueId, workerId: w, limit: 1, leaseMs: 1_000, now: t(3), maxReadCt: 5 });
      expect((await b.getMessage(last!))?.readCt).toBe(2);

      statements.length = 0;
      const result = await b.release({
        ids: [early!, last!, 999_999_999],
        workerId: w,
        now: t(4),
        visibleAt: t(5_000),
        error,
        deadLetterAtReadCt: 2,
      });
      expect(statements).toHaveLength(1);
      expect(result).toEqual([true, true, false]);

      const released = await b.getMessage(early!);
      expect(released).toMatchObject({
        archivedAt: null,
        consumerWorkerId: null,
        vt: t(5_000),
        lastError: error,
        readCt: 1,
      });
      const dead = await b.getMessage(last!);
      expect(dead).toMatchObject({ archivedAt: t(4), deadLetteredAt: t(4), lastError: error, readCt: 2 });
      expect((await b.getRunByMessageId(last!))?.status).toBe("ERROR");
      expect((await b.getRunByMessageId(last!))?.error).toMatchObject({ code: "DEAD_LETTERED" });
      expect((await b.getRunByMessageId(early!))?.status).toBe("RUNNING");

      // A refunded delivery is no failure: never dead-lettered, error kept as given.
      await b.dequeue({ queueId: wf.queueId, workerId: w, limit: 1, leaseMs: 1_000, now: t(6_000), maxReadCt: 5 });
      const refunded = await b.release({
        ids: [early!],
        workerId: w,
        now: t(6_001),
        visibleAt: t(6_001),
        refundDelivery: true,
        deadLetterAtReadCt: 1,
      });
      expect(refunded).toEqual([true]);
      expect(await b.getMessage(early!)).toMatchObject({ archivedAt: null, readCt: 1, lastError: error });
    } finally {
      await b.close();
      await dsnPool.end();
    }
  });
});

describe("replaying a dead letter whose dedup key is taken (PostgreSQL)", () => {
  it("is refused with CONFLICT and writes nothing; without a holder the message comes back with its key", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("replay"), now: t() });
    const w = await worker(b, q.id, t());
    const keyed = (at: number, key = "k") =>
      b.enqueue({
        queueId: q.id,
        payloads: [String(at)],
        producerWorkerId: null,
        enqueuedAt: t(at),
        visibleAt: t(at),
        dedupKey: key,
      });
    const [dead] = await keyed(0);
    await b.dequeue({ queueId: q.id, workerId: w, limit: 1, leaseMs: 1_000, now: t(1), maxReadCt: 5 });
    await b.release({ ids: [dead!.id], workerId: w, now: t(2), visibleAt: t(2), deadLetterAtReadCt: 1 });
    const [holder] = await keyed(3);
    expect(holder!.id).not.toBe(dead!.id);
    const before = await b.getMessage(dead!.id);
    expect(await errorCode(() => b.replayDeadLetter({ queueId: q.id, id: dead!.id, now: t(4) }))).toBe("CONFLICT");
    expect(await b.getMessage(dead!.id)).toEqual(before);
    // Once the holder is archived the key is free: the replay succeeds, key kept.
    await b.dequeue({ queueId: q.id, workerId: w, limit: 1, leaseMs: 1_000, now: t(5), maxReadCt: 5 });
    expect(await b.archive({ ids: [holder!.id], workerId: w, now: t(6) })).toEqual([true]);
    const replayed = await b.replayDeadLetter({ queueId: q.id, id: dead!.id, now: t(7) });
    expect(replayed).toMatchObject({ id: dead!.id, archivedAt: null, dedupKey: "k" });
  });
});

describe("verify() and the queue controls' objects (PostgreSQL)", () => {
  it("names a missing function, settings table or index of migration 0013", async () => {
    const schema = uniqueName("pgqc_verify");
    const b = await createPostgresBackend({
      connectionString: postgresDsn(),
      schema,
      maxConnections: 2,
      connectionTimeoutMs: 5_000,
    });
    const raw = await client();
    try {
      await b.install();
      await expect(b.verify()).resolves.toBeUndefined();
      const cases: [drop: string, named: string][] = [
        [`DROP FUNCTION "${schema}".pgqrs_claim_limited`, "pgqrs_claim_limited"],
        [`DROP INDEX "${schema}".idx_pgqrs_messages_dedup`, "idx_pgqrs_messages_dedup"],
        [`DROP TABLE "${schema}".pgqrs_queue_settings CASCADE`, "pgqrs_queue_settings.queue_id"],
      ];
      for (const [drop, named] of cases) {
        await raw.query("BEGIN");
        try {
          await raw.query(drop);
          // verify() runs on the store's own connection: the drop must be committed for it to see it.
          await raw.query("COMMIT");
          const err = await b.verify().then(
            () => undefined,
            (e: unknown) => e as { code?: string; message?: string },
          );
          expect(err?.code).toBe("SCHEMA_VALIDATION");
          expect(err?.message).toContain(named);
        } finally {
          await raw.query("ROLLBACK").catch(() => undefined);
        }
        // Put everything back (a re-run of migration 0013 is idempotent).
        await raw.query(`DELETE FROM "${schema}".pgqrs_migrations WHERE version = 13`);
        await b.install();
        await expect(b.verify()).resolves.toBeUndefined();
      }
    } finally {
      await raw.end();
      await b.close();
      await dropSchema(schema);
    }
  });
});

describe("queue settings (PostgreSQL)", () => {
  it("createQueue stores settings; ifNotExists from 8 callers at once returns the one queue, settings unchanged", async () => {
    const s = stores();
    const t = clockFrom();
    const name = uniqueName("settings");
    const retry = { maxAttempts: 3, baseMs: 500 };
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.all[i % 2]!.createQueue({
          name,
          now: t(),
          ifNotExists: true,
          settings: { retry, concurrencyLimit: 2 + (i % 2), rateLimit: { max: 10, perSeconds: 1.5 } },
        }),
      ),
    );
    expect(new Set(created.map((q) => q.id)).size).toBe(1);
    expect(new Set(created.map((q) => q.concurrencyLimit)).size).toBe(1);
    const q = created[0]!;
    expect(q).toMatchObject({ queueName: name, retry, rateLimit: { max: 10, perSeconds: 1.5 } });
    expect(await s.all[1]!.getQueueByName(name)).toEqual(q);
    expect(await errorCode(() => s.all[0]!.createQueue({ name, now: t() }))).toBe("QUEUE_ALREADY_EXISTS");
    const rows = await s.raw.query(
      `SELECT pg_catalog.count(*) AS n FROM ${s.t("pgqrs_queue_settings")} WHERE queue_id = $1`,
      [q.id],
    );
    expect(rows.rows[0].n).toBe("1");
  });

  it("updateQueueSettings keeps what is left out, clears what is null; null for an unknown queue; delete cascades", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const name = uniqueName("settings");
    const q = await b.createQueue({ name, now: t() });
    expect(q).toMatchObject({ retry: null, concurrencyLimit: null, rateLimit: null });
    const a = await b.updateQueueSettings({ queueId: q.id, settings: { concurrencyLimit: 4 }, now: t(1) });
    expect(a).toMatchObject({ id: q.id, queueName: name, retry: null, concurrencyLimit: 4, rateLimit: null });
    const c = await b.updateQueueSettings({
      queueId: q.id,
      settings: { retry: { factor: 3 }, rateLimit: { max: 2, perSeconds: 60 } },
      now: t(2),
    });
    expect(c).toMatchObject({ retry: { factor: 3 }, concurrencyLimit: 4, rateLimit: { max: 2, perSeconds: 60 } });
    const d = await b.updateQueueSettings({
      queueId: q.id,
      settings: { concurrencyLimit: null, retry: null },
      now: t(3),
    });
    expect(d).toMatchObject({ retry: null, concurrencyLimit: null, rateLimit: { max: 2, perSeconds: 60 } });
    expect((await b.listQueues()).find((r) => r.id === q.id)).toEqual(d);
    expect(await b.getQueueById(q.id)).toEqual(d);
    expect(
      await b.updateQueueSettings({ queueId: q.id + 1_000_000, settings: { concurrencyLimit: 1 }, now: t(4) }),
    ).toBeNull();
    await b.deleteQueue({ queueId: q.id, queueName: name });
    const left = await s.raw.query(
      `SELECT pg_catalog.count(*) AS n FROM ${s.t("pgqrs_queue_settings")} WHERE queue_id = $1`,
      [q.id],
    );
    expect(left.rows[0].n).toBe("0");
  });

  it("a dedup key takes one payload: a batch with one is VALIDATION_FAILED and writes nothing", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("dedup"), now: t() });
    const p = {
      queueId: q.id,
      payloads: ["1", "2"],
      producerWorkerId: null,
      enqueuedAt: t(),
      visibleAt: t(),
      dedupKey: "k",
    };
    expect(await errorCode(() => b.enqueue(p))).toBe("VALIDATION_FAILED");
    expect(await b.countMessages({ queueId: q.id, state: "all" })).toBe(0);
  });
});
