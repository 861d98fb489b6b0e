/**
 * Numbered `.sql` migrations (`migrations/NNNN_name.sql`, written with a `{{schema}}` placeholder, embedded in
 * migrations.generated.ts by `npm run embed`), applied in order and recorded in `<schema>.pgqrs_migrations`.
 */
import { PgqrsError } from "../../errors.js";
import type { MigrationFile } from "../migration-files.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { MIGRATIONS } from "./migrations.generated.js";
import { countOf } from "./postgres-rows.js";
import { sqlxMigrationLockKey } from "./postgres-sqlx-lock.js";

/** A numbered migration, SQL with `{{schema}}` still in place. */
export type Migration = MigrationFile;

/**
 * Key of the install lock: one constant for every schema, because `CREATE SCHEMA IF NOT EXISTS` and
 * `CREATE TYPE` race on catalog rows that are not per schema.
 */
const INSTALL_LOCK_KEY = 0x70677172; // "pgqr"

/** The migrations shipped with this package, by version. */
export async function loadMigrations(): Promise<readonly Migration[]> {
  return MIGRATIONS;
}

/** The migration SQL for one schema. */
export function renderMigration(migration: Migration, quotedSchema: string): string {
  return migration.sql.replaceAll("{{schema}}", quotedSchema);
}

/** Latest version this package knows. */
export async function latestVersion(): Promise<number> {
  const all = await loadMigrations();
  return all.at(-1)?.version ?? 0;
}

/**
 * Create the schema if missing and apply pending migrations, all in one transaction. Safe when several processes
 * (or pools) install at once: the transaction-scoped advisory lock serialises them, and whoever comes second sees
 * the versions the first recorded; the lock of sqlx's migrator serialises it with Rust/Python pgqrs's own install
 * the same way. Refuses a database migrated by a newer release.
 *
 * Rights: with nothing pending it runs no DDL at all (a role with only USAGE on the schema and SELECT on
 * `pgqrs_migrations` succeeds); an existing schema is never created again (its owner needs no CREATE on the
 * database). docs/security.md lists what each case needs.
 */
export async function install(conn: PostgresConnection): Promise<void> {
  const migrations = await loadMigrations();
  const known = migrations.at(-1)?.version ?? 0;
  await conn.transaction("install", async (tx) => {
    // Only pg_catalog (and temp last) while migrating: no function, operator or type in the migrations can resolve
    // to an object someone else created in a schema on the role's default search_path.
    await tx.query("install", "SET LOCAL search_path = pg_catalog, pg_temp");
    // Serialise concurrent installs; released by COMMIT/ROLLBACK, so it works through PgBouncer transaction mode.
    await tx.query("install", "SELECT pg_catalog.pg_advisory_xact_lock($1)", [INSTALL_LOCK_KEY]);
    // And the lock of sqlx's migrator, which Rust/Python pgqrs holds while it migrates this database.
    const [db] = await tx.query<{ name: string }>("install", "SELECT pg_catalog.current_database() AS name");
    await tx.query("install", "SELECT pg_catalog.pg_advisory_xact_lock($1::bigint)", [
      sqlxMigrationLockKey(db?.name ?? ""),
    ]);
    const [probe] = await tx.query<{ schema_exists: boolean; table_exists: boolean }>(
      "install",
      `SELECT pg_catalog.to_regnamespace($1) IS NOT NULL AS schema_exists,
              pg_catalog.to_regclass($2) IS NOT NULL AS table_exists`,
      [conn.q, conn.t("pgqrs_migrations")],
    );
    const applied = probe?.table_exists === true ? await appliedVersions(tx, conn) : new Set<number>();
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new PgqrsError(
        "SCHEMA_VALIDATION",
        `Schema validation failed: schema ${conn.schema} is at migration ${newest} but this pgqrs knows only up to ${known}. Upgrade pgqrs.`,
        { details: { schema: conn.schema, applied: newest, known } },
      );
    }
    const pending = migrations.filter((m) => !applied.has(m.version));
    if (pending.length === 0) return;
    // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists.
    if (probe?.schema_exists !== true) await tx.query("install", `CREATE SCHEMA IF NOT EXISTS ${conn.q}`);
    if (probe?.table_exists !== true) {
      await tx.query(
        "install",
        `CREATE TABLE IF NOT EXISTS ${conn.t("pgqrs_migrations")} (
           version INT PRIMARY KEY,
           name TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now()
         )`,
      );
    }
    for (const migration of pending) {
      await tx.query(`migration ${migration.version}_${migration.name}`, renderMigration(migration, conn.q));
      await tx.query("install", `INSERT INTO ${conn.t("pgqrs_migrations")} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
  });
}

async function appliedVersions(tx: Queryable, conn: PostgresConnection): Promise<Set<number>> {
  const rows = await tx.query<{ version: number }>("install", `SELECT version FROM ${conn.t("pgqrs_migrations")}`);
  return new Set(rows.map((r) => Number(r.version)));
}

/** Highest applied migration version, 0 when the migrations table is missing. */
export async function schemaVersion(db: Queryable, conn: PostgresConnection): Promise<number> {
  const exists = await db.query(
    "schemaVersion",
    `SELECT pg_catalog.count(*) AS n FROM information_schema.tables WHERE table_schema OPERATOR(pg_catalog.=) $1 AND table_name OPERATOR(pg_catalog.=) 'pgqrs_migrations'`,
    [conn.schema],
  );
  if (countOf(exists) === 0) return 0;
  const rows = await db.query(
    "schemaVersion",
    `SELECT COALESCE(pg_catalog.max(version), 0) AS n FROM ${conn.t("pgqrs_migrations")}`,
  );
  return countOf(rows);
}
