/**
 * SQLite DSNs: `sqlite://relative/or/absolute/path.db`, `sqlite:///absolute/path.db`, `sqlite:path.db` and
 * `sqlite::memory:`; a `?query` is ignored.
 */
import { PgqrsError } from "../../errors.js";

/** The SQLite DSN forms, for error messages. */
export const SQLITE_DSN_FORMS = [
  "sqlite://relative/or/absolute/path.db",
  "sqlite:///absolute/path.db",
  "sqlite::memory:",
] as const;

/** Whether the DSN names the SQLite backend. */
export function isSqliteDsn(dsn: string): boolean {
  return dsn.startsWith("sqlite:");
}

/** The SQLite file path a `sqlite:` DSN names (`:memory:` for an in-memory database); INVALID_CONFIG without one. */
export function sqlitePathFromDsn(dsn: string): string {
  let rest = dsn.slice("sqlite:".length);
  if (rest === ":memory:" || rest === "//:memory:") return ":memory:";
  if (rest.startsWith("//")) rest = rest.slice(2);
  const q = rest.indexOf("?");
  if (q >= 0) rest = rest.slice(0, q);
  if (rest === "" || !isSqliteDsn(dsn)) {
    throw new PgqrsError(
      "INVALID_CONFIG",
      `Invalid configuration value for dsn: SQLite DSN has no path. Accepted forms: ${SQLITE_DSN_FORMS.join(", ")}`,
      { details: { field: "dsn" } },
    );
  }
  return rest;
}
