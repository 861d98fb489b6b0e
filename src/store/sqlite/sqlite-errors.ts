/** Translation of better-sqlite3 errors into {@link PgqrsError} codes, by SQLite extended result code. */
import { PgqrsError } from "../../errors.js";
import { loadedSqliteError } from "./sqlite-driver.js";

/** The SQLite extended result code of a driver error (`SQLITE_CONSTRAINT_UNIQUE`, …), else undefined. */
export function sqliteCode(err: unknown): string | undefined {
  const SqliteError = loadedSqliteError();
  return SqliteError !== undefined && err instanceof SqliteError ? err.code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Any thrown value as a PgqrsError; PgqrsErrors pass through untouched. */
export function translateError(err: unknown, operation: string): PgqrsError {
  if (err instanceof PgqrsError) return err;
  const code = sqliteCode(err);
  const source = err instanceof Error ? err.message : String(err);
  const details = code === undefined ? { operation } : { operation, sqliteCode: code };
  if (code !== undefined && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))) {
    return new PgqrsError("BUSY", `Database is busy: ${operation}. Source: ${source}`, { cause: err, details });
  }
  if (code !== undefined && (code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_NOTADB"))) {
    return new PgqrsError("CONNECTION_FAILED", `Database connection failed: ${source}. Context: ${operation}`, {
      cause: err,
      details,
    });
  }
  return new PgqrsError("QUERY_FAILED", `Database query failed: ${operation}. Source: ${source}`, {
    cause: err,
    details,
  });
}
