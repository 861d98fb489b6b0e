/**
 * Translation of node-postgres failures into {@link PgqrsError} codes, by SQLSTATE or socket error code only.
 * The original error (a `pg.DatabaseError` with every server field: code, detail, hint, constraint, table, …) is
 * always kept as `cause`; the useful fields are copied into `details` too.
 */
import type { PostgresServerFields } from "../../error-details-store.js";
import { PgqrsError, type PgqrsErrorCode } from "../../errors.js";
import { missingSchemaError } from "./postgres-missing-schema.js";

/** Socket-level failures Node reports with an `errno` code rather than a SQLSTATE. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);

/** SQLSTATEs meaning the session is unusable: shutdown, crash recovery, too many connections, bad login or DB. */
const CONNECTION_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "28000", "28P01", "3D000"]);

/** SQLSTATEs a retry of the same transaction can succeed after. */
export const RETRYABLE_SQLSTATES = new Set(["40001", "40P01"]);

/** The SQLSTATE (or socket code) of a driver error, if it has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** True when `err` is a unique violation, optionally of the named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (errorCode(err) !== "23505") return false;
  if (constraint === undefined) return true;
  return (err as { constraint?: unknown }).constraint === constraint;
}

/** read_only_sql_transaction: a write on a hot standby (or with default_transaction_read_only on). */
const READ_ONLY_SQLSTATE = "25006";

/**
 * node-postgres' own errors for a session that ended under (or before) a statement: the server process died
 * (SIGKILL, a crashed or failed-over primary) without sending a SQLSTATE, and the socket closed without a socket
 * error code. Recognised by their fixed text, the only thing they carry.
 */
const SESSION_LOST =
  /^(Connection terminated( unexpectedly)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)$/;

/** The code a driver error maps to. */
export function classifyPgError(err: unknown): PgqrsErrorCode {
  const code = errorCode(err);
  if (code === undefined)
    return err instanceof Error && SESSION_LOST.test(err.message) ? "CONNECTION_FAILED" : "QUERY_FAILED";
  if (code === READ_ONLY_SQLSTATE) return "READ_ONLY";
  if (SOCKET_CODES.has(code) || code.startsWith("08") || CONNECTION_SQLSTATES.has(code)) return "CONNECTION_FAILED";
  if (RETRYABLE_SQLSTATES.has(code)) return "CONFLICT";
  return "QUERY_FAILED";
}

function serverFields(err: unknown): PostgresServerFields {
  if (typeof err !== "object" || err === null) return {};
  const out: Record<string, unknown> = {};
  for (const key of ["code", "severity", "detail", "hint", "schema", "table", "column", "constraint", "routine"]) {
    const value = (err as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as PostgresServerFields;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Wrap any failure of `operation` as a PgqrsError; PgqrsErrors pass through unchanged.
 * `target` (a masked DSN) is named in connection failures so the user sees which server was unreachable.
 */
export function translatePgError(err: unknown, operation: string, target: string): PgqrsError {
  if (err instanceof PgqrsError) return err;
  const missing = missingSchemaError(err, errorCode(err), operation, target);
  if (missing !== undefined) return missing;
  const code = classifyPgError(err);
  const details = { operation, ...serverFields(err) };
  const source = describe(err);
  switch (code) {
    case "CONNECTION_FAILED":
      return new PgqrsError(code, `Database connection failed: ${source}. Context: ${operation} on ${target}`, {
        cause: err,
        details,
      });
    case "READ_ONLY":
      return new PgqrsError(
        code,
        `The database is read-only (a standby, or default_transaction_read_only is on): cannot run ${operation} on ` +
          `${target} (${source}). Writes need the primary: use its DSN, or list every server with ` +
          "target_session_attrs=read-write",
        { cause: err, details },
      );
    case "CONFLICT":
      return new PgqrsError(code, `Conflict: ${source} (in ${operation}); retry the operation`, {
        cause: err,
        details,
      });
    default:
      return new PgqrsError("QUERY_FAILED", `Database query failed: ${operation}. Source: ${source}`, {
        cause: err,
        details,
      });
  }
}

/** A failure to obtain a connection at all (pool timeout, refused socket, bad credentials). */
export function connectionError(err: unknown, target: string): PgqrsError {
  if (err instanceof PgqrsError) return err;
  // node-postgres could not read the DSN as a URL: a setting to fix, not a server to wait for (not retryable).
  if (errorCode(err) === "ERR_INVALID_URL") {
    return new PgqrsError(
      "INVALID_CONFIG",
      "Invalid configuration value for dsn: not a URL node-postgres can read (percent-encode / ? # @ : in a user " +
        `name or password). Context: connect to ${target}`,
      { cause: err, details: { field: "dsn" } },
    );
  }
  return new PgqrsError(
    "CONNECTION_FAILED",
    `Database connection failed: ${describe(err)}. Context: connect to ${target}`,
    {
      cause: err,
      details: { operation: "connect", ...serverFields(err) },
    },
  );
}
