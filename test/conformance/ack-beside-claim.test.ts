/**
 * A large acknowledgement with a large claim (`archiveAndDequeue` with 200 ids or more and a claim of 200 or more):
 * on PostgreSQL the archive and two half claims go as three statements at once, on three connections
 * (src/store/postgres/postgres-ack-beside-claim.ts). The contract stays the single statement's on every backend:
 * every owned id archived, the claimed messages in claim order and never one of the ids, even one whose lease ran
 * out (the claim's snapshot may still show it unarchived). On PostgreSQL: the three statements ran, and when the
 * archive fails the call throws and what the claims took is given back, delivery refunded; when the claims fail
 * and the archive applied, the call throws the claim's error and still reports the acknowledgements that applied.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { ArchivedThenClaimFailed } from "../../src/store/archived-then-claim-failed.js";
import { dropDatabase, EVERY_BACKEND, freshDatabase } from "../support/backends.js";
import { recordingPool } from "../support/recording-pool.js";
import { openTestStore } from "../support/stores.js";

const payloads = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/** A queue of 500 messages (payloads 0..499), due, with its producer and one consumer. */
async function fiveHundred(store: pgqrs.Store, clock: pgqrs.ManualClock, queue: string) {
  await pgqrs.admin(store).createQueue(queue);
  const producer = await store.producer(queue);
  for (let i = 0; i < 500; i += 250) await producer.enqueueBatch(payloads(i, 250));
  clock.advance(10_000);
  return store.consumer(queue);
}

describe.each(EVERY_BACKEND)("a large acknowledgement with a large claim on %s", (backend) => {
  it("archives every id and claims the next ones in order", async () => {
    const { store, clock } = await openTestStore(backend);
    const consumer = await fiveHundred(store, clock, "large_ack");
    const held = await consumer.dequeue({ batchSize: 250, vtSeconds: 600 });
    expect(held.map((m) => m.payload)).toEqual(payloads(0, 250));
    const r = await consumer.archiveAndDequeue(
      held.map((m) => m.id),
      { batchSize: 250, vtSeconds: 600 },
    );
    expect(r.archived).toEqual(held.map(() => true));
    expect(r.messages.map((m) => m.payload)).toEqual(payloads(250, 250));
    const archived = await consumer.archiveMany(held.map((m) => m.id));
    expect(archived.every((a) => !a)).toBe(true);
  });

  it("never claims again the ids it archives, even with their leases run out", async () => {
    const { store, clock } = await openTestStore(backend);
    const consumer = await fiveHundred(store, clock, "expired_ack");
    const held = await consumer.dequeue({ batchSize: 250, vtSeconds: 30 });
    clock.advance(60_000);
    const r = await consumer.archiveAndDequeue(
      held.map((m) => m.id),
      { batchSize: 300, vtSeconds: 30 },
    );
    expect(r.archived).toEqual(held.map(() => true));
    expect(r.messages.map((m) => m.payload)).toEqual(payloads(250, 250));
  });
});

describe.runIf(EVERY_BACKEND.includes("postgres"))("the acknowledgement beside its claim on postgres", () => {
  const { dsn, schema } = freshDatabase("postgres");
  const { pool, names } = recordingPool(dsn, 6);
  const clock = new pgqrs.ManualClock(new Date("2026-01-01T00:00:00.000Z"));
  const admin = new pg.Pool({ connectionString: dsn, max: 1 });
  let store: pgqrs.Store | undefined;
  afterAll(async () => {
    await store?.close();
    await pool.end();
    await admin.end();
    await dropDatabase("postgres", schema);
  });
  const table = `"${schema}".pgqrs_messages`;

  it("runs as the archive and two half claims leaving out its ids; a failed archive gives the claims back", async () => {
    store = await pgqrs.connect(dsn, { schema, clock, pool });
    await pgqrs.admin(store).install();
    const consumer = await fiveHundred(store, clock, "beside");
    // Held under leases that then run out: a claim that did not leave them out would take them first.
    const held = await consumer.dequeue({ batchSize: 250, vtSeconds: 30 });
    const ids = held.map((m) => m.id);
    clock.advance(60_000);

    // The archive fails (a trigger refuses it); the claim beside it has taken 250 messages by then or after.
    await admin.query(`CREATE FUNCTION "${schema}".refuse_archive() RETURNS trigger LANGUAGE plpgsql
                         AS $$ BEGIN RAISE EXCEPTION 'archive refused'; END $$`);
    await admin.query(`CREATE TRIGGER refuse_archive BEFORE UPDATE ON ${table} FOR EACH ROW
                         WHEN (OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL)
                         EXECUTE FUNCTION "${schema}".refuse_archive()`);
    const from = names.length;
    await expect(consumer.archiveAndDequeue(ids, { batchSize: 250, vtSeconds: 600 })).rejects.toThrow();
    const sent = names.slice(from);
    expect(sent.some((s) => s.endsWith("_archive"))).toBe(true);
    expect(sent.filter((s) => /_dequeue(_bounded)?_excluding$/.test(s)).length).toBe(2);
    expect(sent.some((s) => s.includes("archive_and_dequeue"))).toBe(false);
    const { rows } = await admin.query(
      `SELECT pg_catalog.count(*) FILTER (WHERE consumer_worker_id IS NOT NULL)::int AS leased,
              pg_catalog.count(*) FILTER (WHERE read_ct > 0)::int AS delivered,
              pg_catalog.count(*) FILTER (WHERE archived_at IS NOT NULL)::int AS archived
         FROM ${table}`,
    );
    // Only the 250 held ones (not claimed again): the claim's messages were released, their delivery refunded.
    expect(rows[0]).toEqual({ leased: 250, delivered: 250, archived: 0 });

    await admin.query(`DROP TRIGGER refuse_archive ON ${table}`);
    const r = await consumer.archiveAndDequeue(ids, { batchSize: 250, vtSeconds: 600 });
    expect(r.archived).toEqual(ids.map(() => true));
    expect(r.messages.map((m) => m.payload)).toEqual(payloads(250, 250));
  });

  it("reports the acknowledgements that applied when a claim beside them fails, and throws the claim's error", async () => {
    store ??= await pgqrs.connect(dsn, { schema, clock, pool });
    await pgqrs.admin(store).install();
    const consumer = await fiveHundred(store, clock, "beside_claim_fails");
    const held = await consumer.dequeue({ batchSize: 250, vtSeconds: 600 });
    const ids = held.map((m) => m.id);
    const completed: number[] = [];
    const off = store.events.on("completed", (e) => void completed.push(...e.messageIds));

    // The claims fail (a trigger refuses any delivery); the archive beside them applies.
    await admin.query(`CREATE FUNCTION "${schema}".refuse_claim() RETURNS trigger LANGUAGE plpgsql
                         AS $$ BEGIN RAISE EXCEPTION 'claim refused'; END $$`);
    await admin.query(`CREATE TRIGGER refuse_claim BEFORE UPDATE ON ${table} FOR EACH ROW
                         WHEN (NEW.archived_at IS NULL AND NEW.read_ct > OLD.read_ct)
                         EXECUTE FUNCTION "${schema}".refuse_claim()`);
    const failure = await consumer.archiveAndDequeue(ids, { batchSize: 250, vtSeconds: 600 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await admin.query(`DROP TRIGGER refuse_claim ON ${table}`);
    expect(String(failure)).toMatch(/claim refused/);
    expect(failure).not.toBeInstanceOf(ArchivedThenClaimFailed);
    // Every acknowledgement applied, and was reported once; nothing else of the queue was delivered.
    expect([...completed].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const { rows } = await admin.query(
      `SELECT pg_catalog.count(*) FILTER (WHERE m.archived_at IS NOT NULL)::int AS archived,
              pg_catalog.count(*) FILTER (WHERE m.archived_at IS NULL AND m.read_ct > 0)::int AS delivered
         FROM ${table} m JOIN "${schema}".pgqrs_queues q ON q.id = m.queue_id
        WHERE q.queue_name = 'beside_claim_fails'`,
    );
    expect(rows[0]).toEqual({ archived: 250, delivered: 0 });

    // Archived already: a retry archives none of them again (so reports none), and claims the rest.
    const r = await consumer.archiveAndDequeue(ids, { batchSize: 250, vtSeconds: 600 });
    off();
    expect(r.archived).toEqual(ids.map(() => false));
    expect(r.messages.map((m) => m.payload)).toEqual(payloads(250, 250));
    expect(completed).toHaveLength(250);
  });
});
