/**
 * SCHEMA_NOT_INSTALLED: a statement met a pgqrs table (or the schema) that is not there, because `install()` was
 * never run against this database and schema, or not since an upgrade added the table. Both backends raise it with
 * the same wording and the same next step; only the place they name differs.
 */
import { PgqrsError } from "../errors.js";

/** What to run, in both forms (CLI and code). */
export const INSTALL_HINT = "Run `npx pgqrs install` or `await pgqrs.admin(store).install()` first";

/**
 * The error for a missing pgqrs table. `where` names the database and schema (Postgres: the masked DSN and schema;
 * SQLite: the file), `missing` the relation or schema the server named, `operation` the store operation.
 */
export function schemaNotInstalled(where: string, missing: string, operation: string, cause: unknown): PgqrsError {
  return new PgqrsError(
    "SCHEMA_NOT_INSTALLED",
    `pgqrs is not installed in ${where}: ${missing} does not exist (in ${operation}). ${INSTALL_HINT} ` +
      "(it creates the tables, or adds the ones a newer version needs).",
    { cause, details: { operation, missing, where } },
  );
}

/**
 * A read of an embedded database whose file does not exist (nothing is created for a read): SCHEMA_VALIDATION for
 * `verify` (its contract for a database without pgqrs's tables), SCHEMA_NOT_INSTALLED with the install hint for any
 * other read. `engine`: "SQLite" or "Turso".
 */
export function missingDatabaseFile(engine: string, path: string, operation: string): PgqrsError {
  if (operation === "verify") {
    return new PgqrsError(
      "SCHEMA_VALIDATION",
      `Schema validation failed: Queue table ('pgqrs_queues') does not exist: there is no ${engine} database file ` +
        `'${path}'; check the path, or run install() first (it creates the file)`,
      { details: { table: "pgqrs_queues" } },
    );
  }
  return schemaNotInstalled(`${engine} database '${path}'`, "the database file", operation, undefined);
}
