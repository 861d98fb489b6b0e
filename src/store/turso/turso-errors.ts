/**
 * Translation of Turso driver errors into {@link PgqrsError} codes. The Turso JavaScript binding reports every
 * engine error with the one code `GenericFailure` and no SQLite result code, so the message is the only place that
 * says what happened; pgqrs's Turso backend classifies by message for the same reason. This runs on the error path
 * only.
 */
import { PgqrsError } from "../../errors.js";
import { schemaNotInstalled } from "../schema-not-installed.js";

/** What a Turso error means, as far as pgqrs cares. */
export type TursoErrorKind = "locked" | "unique" | "fileLocked" | "cantOpen";

/** pgqrs's lock-contention markers (`database is locked`, `SQLITE_BUSY`, `snapshot is stale`). */
const LOCKED = /database is locked|SQLITE_BUSY|snapshot is stale/i;
/** A UNIQUE or PRIMARY KEY constraint (Turso words both as `UNIQUE constraint failed: table.column`). */
const UNIQUE = /UNIQUE constraint failed/;
/** Another process holds the file: Turso locks a database file for one process. */
const FILE_LOCKED = /File is locked by another process/i;
const CANT_OPEN = /failed to open database/i;
const MISSING_TABLE = /no such table: (?:main\.)?(pgqrs_\w+)/;

function messageOf(err: unknown): string | undefined {
  return err instanceof Error && !(err instanceof PgqrsError) ? err.message : undefined;
}

/** The kind of a driver error, else undefined (also for PgqrsErrors, which are already translated). */
export function tursoErrorKind(err: unknown): TursoErrorKind | undefined {
  const message = messageOf(err);
  if (message === undefined) return undefined;
  if (FILE_LOCKED.test(message)) return "fileLocked";
  if (LOCKED.test(message)) return "locked";
  if (UNIQUE.test(message)) return "unique";
  if (CANT_OPEN.test(message)) return "cantOpen";
  return undefined;
}

/** Whether the statement failed only because another connection holds the database lock (retry may succeed). */
export function isLocked(err: unknown): boolean {
  return tursoErrorKind(err) === "locked";
}

export function isUniqueViolation(err: unknown): boolean {
  return tursoErrorKind(err) === "unique";
}

/** Any thrown value as a PgqrsError; PgqrsErrors pass through untouched. */
export function translateTursoError(err: unknown, operation: string): PgqrsError {
  if (err instanceof PgqrsError) return err;
  const kind = tursoErrorKind(err);
  const source = err instanceof Error ? err.message : String(err);
  const details = kind === undefined ? { operation } : { operation, tursoError: kind };
  if (kind === "locked") {
    return new PgqrsError("BUSY", `Database is busy: ${operation}. Source: ${source}`, { cause: err, details });
  }
  if (kind === "fileLocked") {
    return new PgqrsError(
      "CONNECTION_FAILED",
      `Database connection failed: ${source}. Context: ${operation}. A Turso database file serves one process ` +
        "at a time; close the other process's store, or use PostgreSQL for several processes",
      { cause: err, details },
    );
  }
  if (kind === "cantOpen") {
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

/** SCHEMA_NOT_INSTALLED for a missing `pgqrs_*` table of the database file `path`, else undefined. */
export function tursoMissingSchemaError(err: unknown, operation: string, path: string): PgqrsError | undefined {
  if (operation.startsWith("install")) return undefined;
  const named = MISSING_TABLE.exec(messageOf(err) ?? "");
  if (named === null) return undefined;
  return schemaNotInstalled(`Turso database '${path}'`, `table ${named[1]}`, operation, err);
}
