/**
 * Numbered `.sql` migrations (`migrations/NNNN_name.sql`, embedded in migrations.generated.ts by `npm run embed`),
 * applied in order and recorded in `pgqrs_migrations`.
 */
import { PgqrsError } from "../../errors.js";
import { MIGRATIONS } from "./migrations.generated.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { columnsOf, deletesCascade, indexMismatch } from "./sqlite-schema-inspect.js";
import { CASCADES, createCascadeTriggerSql } from "./sqlite-cascade-spec.js";
import { ADDED_COLUMNS, columnName, createIndexSql, INDEXES } from "./sqlite-schema-spec.js";
import { encodeTime } from "./sqlite-time.js";

/**
 * Bring tables that already existed up to date: `CREATE TABLE IF NOT EXISTS` in 0001 skipped pgqrs's tables, and
 * SQLite has no `ADD COLUMN IF NOT EXISTS`, so this inspects the file and adds what is missing. An index under one
 * of pgqrs's names with another definition (ours, from earlier releases) is dropped, and rebuilt as pgqrs defines
 * it unless it is one this package leaves to pgqrs (idx_messages_hot_path).
 */
function bringExistingTablesUpToDate(c: SqliteConnection): void {
  for (const [table, column, declaration] of ADDED_COLUMNS) {
    if (!columnsOf(c, table).has(column)) c.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${declaration}`);
  }
  for (const index of INDEXES) {
    // An index of a later migration's table or column: that migration creates it.
    const present = columnsOf(c, index.table);
    if (!index.columns.every((column) => present.has(columnName(column)))) continue;
    const mismatch = indexMismatch(c, index);
    if (mismatch !== undefined && mismatch !== "missing") c.exec(`DROP INDEX ${index.name}`);
    if (index.onlyWherePgqrsCreatedIt !== true) c.exec(createIndexSql(index));
  }
  for (const cascade of CASCADES) {
    if (columnsOf(c, cascade.child).size === 0) continue; // a later migration's table, created cascading
    if (!deletesCascade(c, cascade)) c.exec(createCascadeTriggerSql(cascade));
  }
}

/** Steps in code that run before a version's SQL file. */
const STEPS_BEFORE_SQL: ReadonlyMap<number, (c: SqliteConnection) => void> = new Map([
  [3, bringExistingTablesUpToDate],
]);

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS pgqrs_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

export function install(c: SqliteConnection): void {
  installUpTo(c, Number.POSITIVE_INFINITY);
}

/** @internal {@link install}, applying versions up to `last` only (tests build a file as an older release left it). */
export function installUpTo(c: SqliteConnection, last: number): void {
  const migrations = MIGRATIONS.filter((m) => m.version <= last);
  // BEGIN IMMEDIATE takes the file's write lock before reading which versions are applied, so a second process
  // installing at the same time waits (busy_timeout) and then finds nothing left to do.
  c.immediate(() => {
    c.exec(CREATE_MIGRATIONS_TABLE);
    const applied = new Set(c.all<{ version: number }>("SELECT version FROM pgqrs_migrations").map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    const newer = [...applied].filter((v) => !known.has(v));
    if (newer.length > 0) {
      throw new PgqrsError(
        "SCHEMA_VALIDATION",
        `Schema validation failed: the database has migrations this version of pgqrs does not know (${newer.join(", ")}); upgrade pgqrs`,
        { details: { unknownVersions: newer } },
      );
    }
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      STEPS_BEFORE_SQL.get(m.version)?.(c);
      c.exec(m.sql);
      // install() has no caller-supplied time; applied_at is bookkeeping, not a domain decision.
      c.run(
        "INSERT INTO pgqrs_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        m.version,
        m.name,
        encodeTime(new Date()),
      );
    }
  });
}
