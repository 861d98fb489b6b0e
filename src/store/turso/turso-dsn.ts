/**
 * Turso DSNs as pgqrs reads them: the first of `turso://` or `turso:` is stripped and the rest is a local file path
 * (`turso:///var/lib/app/queue.db` → `/var/lib/app/queue.db`, `turso://queue.db` and `turso:queue.db` →
 * `queue.db`, relative to the working directory; `turso::memory:` → an in-memory database). pgqrs's Turso backend
 * is local files only, never a remote Turso server. pgqrs also strips a bare `turso` prefix (`tursoqueue.db`); that
 * accident is not kept.
 */
import { PgqrsError } from "../../errors.js";

/** The Turso DSN forms, for error messages. */
export const TURSO_DSN_FORMS = [
  "turso:///absolute/path.db",
  "turso://relative/path.db",
  "turso:path.db",
  "turso::memory:",
] as const;

/** Whether the DSN names the Turso backend. */
export function isTursoDsn(dsn: string): boolean {
  return dsn.startsWith("turso:");
}

/** What a Turso DSN says. */
export interface TursoDsn {
  /** The database file, or `":memory:"`. */
  path: string;
}

/** INVALID_CONFIG unless `dsn` is a Turso DSN with a path; a `?query` is ignored, as for SQLite DSNs. */
export function parseTursoDsn(dsn: string): TursoDsn {
  if (!isTursoDsn(dsn)) throw invalid(`not a Turso DSN: ${dsn}`);
  let rest = dsn.startsWith("turso://") ? dsn.slice("turso://".length) : dsn.slice("turso:".length);
  const q = rest.indexOf("?");
  if (q >= 0) rest = rest.slice(0, q);
  if (rest === "") throw invalid("Turso DSN has no path");
  return { path: rest };
}

function invalid(reason: string): PgqrsError {
  return new PgqrsError(
    "INVALID_CONFIG",
    `Invalid configuration value for dsn: ${reason}. Accepted forms: ${TURSO_DSN_FORMS.join(", ")}`,
    {
      details: { field: "dsn" },
    },
  );
}
