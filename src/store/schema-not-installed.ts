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
