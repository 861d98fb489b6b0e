/**
 * Postgres schema management: install creates the schema, records every migration, is idempotent and safe
 * when four stores install at once, waits for sqlx's migrator lock (Rust/Python pgqrs migrating), keeps pgqrs
 * 0.15's names; verify refuses an uninstalled or foreign schema.
 * Runs against a real server.
 */
import { describe, expect, it } from "vitest";
import { isPgqrsError, type PgqrsError } from "../../src/errors.js";
import pg from "pg";
import { loadMigrations } from "../../src/store/postgres/postgres-migrations.js";
import { sqlxMigrationLockKey } from "../../src/store/postgres/postgres-sqlx-lock.js";
import { postgresDsn } from "../support/backends.js";
import { queueWithOneMessage, schemaExists, sql, usePostgresSpecificBackends } from "./postgres-specific-support.js";

const { backend, freshSchema } = usePostgresSpecificBackends();

describe("install", () => {
  it("creates the schema when it is missing and records every migration", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    expect(await schemaExists(schema)).toBe(false);
    await b.install();
    expect(await schemaExists(schema)).toBe(true);
    await b.verify();
    const versions = await sql<{ version: number }>(`SELECT version FROM "${schema}".pgqrs_migrations ORDER BY 1`);
    const shipped = (await loadMigrations()).map((m) => m.version);
    expect(shipped.length).toBeGreaterThanOrEqual(5);
    expect(versions.map((r) => r.version)).toEqual(shipped);
  });

  it("is idempotent: a second install changes no migration row, relation or data", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const { q, m } = await queueWithOneMessage(b, "kept");
    // The applied migrations with their times, and every relation (table, index, sequence) by oid: a migration run
    // again would add a row or fail on the key; a table dropped and created again would get a new oid.
    const migrations = () =>
      sql<{ version: number; name: string; applied_at: string }>(
        `SELECT version, name, applied_at::text FROM "${schema}".pgqrs_migrations ORDER BY version`,
      );
    const relations = () =>
      sql<{ relname: string; relkind: string; oid: string }>(
        `SELECT c.relname, c.relkind::text, c.oid::int8::text AS oid FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY c.relname`,
        [schema],
      );
    const migrationsBefore = await migrations();
    const relationsBefore = await relations();
    expect(migrationsBefore.map((r) => r.version)).toEqual((await loadMigrations()).map((x) => x.version));
    expect(relationsBefore.map((r) => r.relname)).toEqual(expect.arrayContaining(["pgqrs_messages", "pgqrs_queues"]));

    await b.install();

    expect(await migrations()).toEqual(migrationsBefore);
    expect(await relations()).toEqual(relationsBefore);
    await b.verify();
    expect((await b.getQueueById(q.id))?.queueName).toBe("kept");
    expect((await b.getMessage(m!.id))?.payload).toEqual({ n: 1 });
  });

  it("is safe when four backends with their own pools install the same fresh schema at once", async () => {
    const schema = freshSchema();
    const installers = await Promise.all([1, 2, 3, 4].map(() => backend(schema)));
    await Promise.all(installers.map((b) => b.install()));
    const versions = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".pgqrs_migrations`);
    expect(Number(versions[0]?.n)).toBe((await loadMigrations()).length);
    await installers[0]!.verify();
  });

  it("waits for the lock sqlx's migrator holds while Rust/Python pgqrs migrates the database", async () => {
    // sqlx 0.8's key for a database named "zone" (a known vector of its generate_lock_id).
    expect(sqlxMigrationLockKey("zone")).toBe("2771974297191923538");
    const schema = freshSchema();
    const b = await backend(schema);
    const migrator = new pg.Client({ connectionString: postgresDsn() });
    await migrator.connect();
    try {
      const [{ name }] = (await migrator.query("SELECT current_database() AS name")).rows as [{ name: string }];
      const key = sqlxMigrationLockKey(name);
      // As pgqrs's migrator does: a session lock on sqlx's key for the whole migration.
      await migrator.query("SELECT pg_advisory_lock($1::bigint)", [key]);
      let installed = false;
      const install = b.install().then(() => {
        installed = true;
      });
      // The install's transaction queues behind that lock (a bigint key: classid the high half, objid the low).
      const hi = (BigInt(key) >> 32n).toString();
      const lo = (BigInt(key) & 0xffffffffn).toString();
      let waiting = 0;
      for (let i = 0; i < 2000 && waiting === 0; i++) {
        const rows = await sql<{ n: string }>(
          `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
              AND classid::int8 = $1::int8 AND objid::int8 = $2::int8 AND objsubid = 1`,
          [hi, lo],
        );
        waiting = Number(rows[0]?.n);
      }
      expect(waiting).toBe(1);
      expect(installed).toBe(false);
      expect(await schemaExists(schema)).toBe(false);
      await migrator.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
      await install;
      await b.verify();
    } finally {
      await migrator.end();
    }
  });

  it("keeps pgqrs 0.15's table, enum and index names", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const indexes = await sql<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = $1", [
      schema,
    ]);
    expect(indexes.map((r) => r.indexname)).toEqual(
      expect.arrayContaining([
        "idx_pgqrs_messages_hot_path",
        "idx_pgqrs_messages_consumer_worker_id_active",
        "idx_pgqrs_messages_archived_at",
        "idx_pgqrs_messages_producer_worker_id",
        "idx_pgqrs_workers_queue_status",
        "idx_pgqrs_workers_heartbeat",
        "idx_pgqrs_workflow_steps_retry_at",
      ]),
    );
    const labels = await sql<{ enumlabel: string }>(
      `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
         JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typname = 'worker_status' ORDER BY e.enumsortorder`,
      [schema],
    );
    expect(labels.map((r) => r.enumlabel)).toEqual(["ready", "polling", "suspended", "interrupted", "stopped"]);
  });
});

describe("verify", () => {
  it("fails with SCHEMA_VALIDATION on an uninstalled schema and writes nothing", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    const err = await b.verify().catch((e: unknown) => e);
    expect(isPgqrsError(err, "SCHEMA_VALIDATION")).toBe(true);
    expect((err as PgqrsError).message).toContain("pgqrs_queues");
    expect(await schemaExists(schema)).toBe(false);
  });

  it("does not accept tables of another schema", async () => {
    const installed = await backend(freshSchema());
    await installed.install();
    const other = await backend(freshSchema());
    await expect(other.verify()).rejects.toMatchObject({ code: "SCHEMA_VALIDATION" });
  });
});
