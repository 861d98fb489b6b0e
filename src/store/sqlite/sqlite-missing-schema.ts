/**
 * Recognises "pgqrs is not installed here" among better-sqlite3 errors: `no such table: pgqrs_…`. SQLite reports a
 * missing table with the generic SQLITE_ERROR code only, so the message is the one place that says which table;
 * this runs only on the error path, so the hot path pays nothing.
 */
import type { PgqrsError } from "../../errors.js";
import { schemaNotInstalled } from "../schema-not-installed.js";
import { sqliteCode } from "./sqlite-errors.js";

/** SCHEMA_NOT_INSTALLED for a missing `pgqrs_*` table of the database file `path`, else undefined. */
export function missingSchemaError(err: unknown, operation: string, path: string): PgqrsError | undefined {
  if (operation.startsWith("install") || sqliteCode(err) !== "SQLITE_ERROR") return undefined;
  const named = /^no such table: (?:main\.)?(pgqrs_\w+)/.exec(err instanceof Error ? err.message : "");
  if (named === null) return undefined;
  return schemaNotInstalled(`SQLite database '${path}'`, `table ${named[1]}`, operation, err);
}
