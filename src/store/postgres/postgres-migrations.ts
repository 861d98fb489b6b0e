/**
 * Numbered `.sql` migrations (`migrations/NNNN_name.sql`, written with a `{{schema}}` placeholder), applied in
 * order and recorded in `<schema>.pgqrs_migrations`.
 */
import { readdir, readFile } from "node:fs/promises";
import { PgqrsError } from "../../errors.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { countOf } from "./postgres-rows.js";

export interface Migration {
  version: number;
  name: string;
  /** SQL with `{{schema}}` still in place. */
  sql: string;
}

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const FILE_PATTERN = /^(\d+)_([A-Za-z0-9_]+)\.sql$/;

/**
 * Key of the install lock: one constant for every schema, because `CREATE SCHEMA IF NOT EXISTS` and
 * `CREATE TYPE` race on catalog rows that are not per schema.
 */
const INSTALL_LOCK_KEY = 0x70677172; // "pgqr"

let cached: Promise<Migration[]> | undefined;

/** The migrations shipped with this package, by version. */
export function loadMigrations(): Promise<Migration[]> {
  cached ??= readMigrations();
  return cached;
}

async function readMigrations(): Promise<Migration[]> {
  const files = await readdir(MIGRATIONS_DIR);
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = FILE_PATTERN.exec(file);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const sql = await readFile(new URL(file, MIGRATIONS_DIR), "utf8");
    migrations.push({ version: Number(m[1]), name: m[2], sql });
  }
  return migrations.sort((a, b) => a.version - b.version);
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
 * the versions the first recorded. Refuses a database migrated by a newer release.
 */
export async function install(conn: PostgresConnection): Promise<void> {
  const migrations = await loadMigrations();
  const known = migrations.at(-1)?.version ?? 0;
  await conn.transaction("install", async (tx) => {
    // Serialise concurrent installs; released by COMMIT/ROLLBACK, so it works through PgBouncer transaction mode.
    await tx.query("install", "SELECT pg_advisory_xact_lock($1)", [INSTALL_LOCK_KEY]);
    await tx.query("install", `CREATE SCHEMA IF NOT EXISTS ${conn.q}`);
    await tx.query(
      "install",
      `CREATE TABLE IF NOT EXISTS ${conn.t("pgqrs_migrations")} (
         version INT PRIMARY KEY,
         name TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const applied = await appliedVersions(tx, conn);
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new PgqrsError(
        "SCHEMA_VALIDATION",
        `Schema validation failed: schema ${conn.schema} is at migration ${newest} but this pgqrs knows only up to ${known}. Upgrade pgqrs.`,
        { details: { schema: conn.schema, applied: newest, known } },
      );
    }
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
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
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'pgqrs_migrations'`,
    [conn.schema],
  );
  if (countOf(exists) === 0) return 0;
  const rows = await db.query(
    "schemaVersion",
    `SELECT COALESCE(max(version), 0) AS n FROM ${conn.t("pgqrs_migrations")}`,
  );
  return countOf(rows);
}
