/**
 * Sharing a database with Rust/Python pgqrs 0.15.3 (issue 14, items 9 and 10), on both backends:
 * - after our install(), pgqrs's own install() (sqlx's migrator over pgqrs's DDL) finds every migration applied;
 * - over a database pgqrs created, our install() adds what pgqrs's tables lack and the engine works;
 * - a database installed by the previous release of this package is upgraded to the same state.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { DEQUEUE_SQL } from "../../src/store/sqlite/sqlite-messages.js";
import { type CompatDb, compatDb } from "../fixtures/pgqrs-ddl/compat-databases.js";
import { pgqrsSqlxRows } from "../fixtures/pgqrs-ddl/sqlx-migrator.js";
import { BACKENDS, type SqliteOrPostgres } from "../support/backends.js";
import { thrown } from "../support/stores.js";

const opened: CompatDb[] = [];
const stores: pgqrs.Store[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  for (const db of opened) await db.cleanup();
});

function freshDb(backend: SqliteOrPostgres): CompatDb {
  const db = compatDb(backend);
  opened.push(db);
  return db;
}

async function storeOn(db: CompatDb): Promise<{ store: pgqrs.Store; clock: pgqrs.ManualClock }> {
  const clock = new pgqrs.ManualClock(new Date("2026-06-01T00:00:00.000Z"));
  const store = await pgqrs.connect(db.dsn, { schema: db.schema, clock, maxReadCt: 1 });
  stores.push(store);
  return { store, clock };
}

/** sqlx's rows are exactly pgqrs 0.15.3's: each version once, its description, its checksum, applied. */
async function expectPgqrsHistory(db: CompatDb): Promise<void> {
  const expected = pgqrsSqlxRows(db.backend).map((r) => ({ ...r, success: true }));
  expect(await db.sqlxRows()).toEqual(expected);
}

/** `_sqlx_migrations` has the columns, types and nullability sqlx 0.8 creates it with on this backend. */
async function expectSqlxLayout(db: CompatDb): Promise<void> {
  if (db.backend === "sqlite") {
    const cols = await db.rows<{ name: string; type: string; notnull: number; pk: number }>(
      "SELECT name, type, \"notnull\", pk FROM pragma_table_info('_sqlx_migrations') ORDER BY cid",
    );
    expect(cols.map((c) => `${c.name} ${c.type}${c.notnull ? " NOT NULL" : ""}${c.pk ? " PK" : ""}`)).toEqual([
      "version BIGINT PK",
      "description TEXT NOT NULL",
      "installed_on TIMESTAMP NOT NULL",
      "success BOOLEAN NOT NULL",
      "checksum BLOB NOT NULL",
      "execution_time BIGINT NOT NULL",
    ]);
    return;
  }
  const cols = await db.rows<{ c: string }>(
    `SELECT column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END AS c
       FROM information_schema.columns WHERE table_schema = '${db.schema}' AND table_name = '_sqlx_migrations'
      ORDER BY ordinal_position`,
  );
  expect(cols.map((r) => r.c)).toEqual([
    "version bigint NOT NULL",
    "description text NOT NULL",
    "installed_on timestamp with time zone NOT NULL",
    "success boolean NOT NULL",
    "checksum bytea NOT NULL",
    "execution_time bigint NOT NULL",
  ]);
}

/** The engine on this database: enqueue, dequeue, archive, dead letters, metrics, a workflow, a purge. */
async function exercise(store: pgqrs.Store, clock: pgqrs.ManualClock): Promise<void> {
  const admin = pgqrs.admin(store);
  await admin.verify();
  await admin.createQueue("jobs");
  const producer = await store.producer("jobs");
  const [a, b] = await producer.enqueueBatch([{ n: 1 }, { n: 2 }]);
  const consumer = await store.consumer("jobs", "compat-consumer");
  const got = await consumer.dequeue({ batchSize: 2, vtSeconds: 30 });
  expect(got.map((m) => m.id)).toEqual([a!.id, b!.id]);
  expect(await consumer.archive(a!.id)).toBe(true);
  clock.advance(31_000);
  expect(await admin.dlq()).toEqual([b!.id]);
  expect(await admin.queueMetrics("jobs")).toMatchObject({
    totalMessages: 2,
    activeMessages: 0,
    archivedMessages: 2,
    deadLetteredMessages: 1,
  });

  await store.createWorkflow("compat_flow");
  const msg = await pgqrs.workflow("compat_flow").trigger({ id: 7 }).execute(store);
  const wc = await store.consumer("compat_flow", "compat-wf");
  const [wm] = await wc.dequeue({ batchSize: 1 });
  const run = await pgqrs.run().message(wm!).store(store).execute();
  await run.start();
  const step = await run.acquireStep("double", { currentTime: run.currentTime });
  expect(step.status).toBe("EXECUTE");
  if (step.status === "EXECUTE") await step.guard.success(14);
  await run.complete({ doubled: 14 });
  expect(await wc.archive(wm!.id)).toBe(true);
  expect(await pgqrs.workflow("compat_flow").getRun(msg.id, store)).toMatchObject({
    status: "SUCCESS",
    output: { doubled: 14 },
  });
  // Runs and steps go with their queue's messages (pgqrs's SQLite foreign keys do not cascade).
  await admin.purgeQueue("compat_flow");
  expect(await store.tables().workflowRuns().count()).toBe(0);
  await admin.verify();
}

describe.each(BACKENDS)("sharing a database with pgqrs 0.15.3 on %s", (backend) => {
  it("after our install, pgqrs's own install() finds every migration applied; re-installing changes nothing", async () => {
    const db = freshDb(backend);
    const { store, clock } = await storeOn(db);
    await pgqrs.admin(store).install();
    await expectPgqrsHistory(db);
    await expectSqlxLayout(db);
    expect(await db.pgqrsInstall()).toEqual([]);
    await pgqrs.admin(store).install();
    await expectPgqrsHistory(db);
    await exercise(store, clock);
    expect(await db.pgqrsInstall()).toEqual([]);
  });

  it("over a database pgqrs installed first, install() adds what pgqrs lacks and records nothing twice", async () => {
    const db = freshDb(backend);
    expect(await db.pgqrsInstall()).toEqual(pgqrsSqlxRows(backend).map((r) => r.version));
    const { store, clock } = await storeOn(db);
    expect((await thrown(() => pgqrs.admin(store).verify())).code).toBe("SCHEMA_VALIDATION");
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).install();
    await expectPgqrsHistory(db);
    await exercise(store, clock);
    expect(await db.pgqrsInstall()).toEqual([]);
  });

  it("upgrades a database installed by the previous release", async () => {
    const db = freshDb(backend);
    await db.previousReleaseInstall();
    const { store, clock } = await storeOn(db);
    expect((await thrown(() => pgqrs.admin(store).verify())).code).toBe("SCHEMA_VALIDATION");
    await pgqrs.admin(store).install();
    await expectPgqrsHistory(db);
    expect(await db.pgqrsInstall()).toEqual([]);
    await exercise(store, clock);
  });

  it("upgrades a pgqrs database the previous release installed over", async () => {
    const db = freshDb(backend);
    await db.pgqrsInstall();
    await db.previousReleaseInstall();
    const { store, clock } = await storeOn(db);
    if (backend === "sqlite") {
      // The previous release recorded its migrations while CREATE TABLE IF NOT EXISTS skipped pgqrs's tables.
      const err = await thrown(() => pgqrs.admin(store).verify());
      expect(err.message).toContain("pgqrs_messages.dead_lettered_at");
    }
    await pgqrs.admin(store).install();
    await expectPgqrsHistory(db);
    await exercise(store, clock);
    expect(await db.pgqrsInstall()).toEqual([]);
  });

  it("leaves another application's _sqlx_migrations alone", async () => {
    const db = freshDb(backend);
    const blob = backend === "sqlite" ? "X'00'" : "'\\x00'::bytea";
    if (backend === "postgres") await db.exec(`CREATE SCHEMA "${db.schema}"`);
    await db.exec(`CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
      installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BYTEA NOT NULL,
      execution_time BIGINT NOT NULL)`);
    await db.exec(`INSERT INTO _sqlx_migrations VALUES (20260101, 'app table', CURRENT_TIMESTAMP, TRUE, ${blob}, 1)`);
    const { store } = await storeOn(db);
    await pgqrs.admin(store).install();
    expect((await db.sqlxRows()).map((r) => r.version)).toEqual([20260101]);
    await pgqrs.admin(store).verify();
  });
});

describe("sharing a database with pgqrs 0.15.3: PostgreSQL constraint names", () => {
  async function foreignKeys(db: CompatDb): Promise<string[]> {
    const rows = await db.rows<{ conname: string }>(
      `SELECT conname FROM pg_constraint WHERE conrelid = '"${db.schema}".pgqrs_messages'::regclass AND contype = 'f'
        ORDER BY conname`,
    );
    return rows.map((r) => r.conname);
  }
  const PGQRS_NAMES = ["fk_messages_consumer_worker_id", "fk_messages_producer_worker_id", "fk_messages_queue_id"];

  it("a fresh install names the message foreign keys as pgqrs does", async () => {
    const db = freshDb("postgres");
    const { store } = await storeOn(db);
    await pgqrs.admin(store).install();
    expect(await foreignKeys(db)).toEqual(PGQRS_NAMES);
  });

  it("an upgrade renames them", async () => {
    const db = freshDb("postgres");
    await db.previousReleaseInstall();
    expect(await foreignKeys(db)).toContain("pgqrs_messages_producer_worker_id_fkey");
    const { store } = await storeOn(db);
    await pgqrs.admin(store).install();
    expect(await foreignKeys(db)).toEqual(PGQRS_NAMES);
  });
});

describe("sharing a database with pgqrs 0.15.3: SQLite index names", () => {
  async function index(db: CompatDb, name: string): Promise<string[]> {
    const rows = await db.rows<{ name: string }>(`SELECT name FROM pragma_index_info('${name}') ORDER BY seqno`);
    return rows.map((r) => r.name);
  }

  it("pgqrs's index names carry pgqrs's definitions; ours have our names; the claim walks ours", async () => {
    for (const setup of ["fresh", "previous release", "pgqrs first"] as const) {
      const db = freshDb("sqlite");
      if (setup === "previous release") {
        await db.previousReleaseInstall();
        expect(await index(db, "idx_messages_hot_path")).toEqual(["queue_id", "enqueued_at", "id", "vt"]);
      }
      if (setup === "pgqrs first") await db.pgqrsInstall();
      const { store } = await storeOn(db);
      await pgqrs.admin(store).install();
      // pgqrs's hot-path index stays where pgqrs made it; this package does not add it (idx_messages_claim does
      // its job) and no longer uses its name.
      const hotPath = setup === "pgqrs first" ? ["queue_id", "vt", "enqueued_at", "id"] : [];
      expect(await index(db, "idx_messages_hot_path"), setup).toEqual(hotPath);
      expect(await index(db, "idx_workers_queue_id"), setup).toEqual(["queue_id"]);
      expect(await index(db, "idx_workflow_runs_message_id"), setup).toEqual(["message_id"]);
      expect(await index(db, "idx_messages_claim"), setup).toEqual(["queue_id", "priority", "enqueued_at", "id", "vt"]);
      expect(await index(db, "idx_workers_queue_status"), setup).toEqual(["queue_id", "status"]);
      const plan = await db.rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${DEQUEUE_SQL.replaceAll(/@\w+/g, "1")}`);
      // The claim's outer loop walks ours in claim order (no sort); its sub-selects (limits guard, group head) follow.
      const details = plan.map((r) => r.detail).join("; ");
      expect(details, setup).toMatch(/SEARCH m USING INDEX idx_messages_claim \(queue_id=\?\);/);
      expect(details, setup).not.toMatch(/TEMP B-TREE/);
    }
  });
});
