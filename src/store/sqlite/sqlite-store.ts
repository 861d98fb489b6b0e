/**
 * The SQLite backend: `createSqliteBackend` wires one better-sqlite3 connection to the operations of the
 * other `sqlite-*.ts` modules. The driver is synchronous; every method still returns a Promise, and every
 * failure becomes a rejected {@link PgqrsError}.
 */
import type { StoreBackend } from "../store.js";
import { SQLITE_CAPABILITIES } from "./sqlite-backend.js";
import { SqliteConnection } from "./sqlite-connection.js";
import { translateError } from "./sqlite-errors.js";
import { missingSchemaError } from "./sqlite-missing-schema.js";
import { type SqliteOp, sqliteOperations } from "./sqlite-operations.js";

export interface SqliteBackendOptions {
  /** Database file path (created if missing; its directory must exist) or `":memory:"`. */
  path: string;
  /** `journal_mode=WAL` when true, `DELETE` otherwise. */
  useWal: boolean;
  /** How long a statement waits for another process's lock before failing with `BUSY`, in milliseconds. */
  busyTimeoutMs: number;
}

export function createSqliteBackend(opts: SqliteBackendOptions): StoreBackend {
  let conn: SqliteConnection;
  try {
    conn = new SqliteConnection(opts);
  } catch (err) {
    throw translateError(err, `open SQLite database '${opts.path}'`);
  }
  // Promise.resolve/reject instead of `async` so a synchronous driver call costs no extra microtask hop. SQLite
  // waits for another process's lock in the driver (busyTimeoutMs), so every kind of operation runs the same way.
  function call<A extends unknown[], R>(_kind: unknown, name: string, op: SqliteOp<A, R>): (...args: A) => Promise<R> {
    return (...args: A) => {
      try {
        conn.assertOpen();
        return Promise.resolve(op(conn, ...args));
      } catch (err) {
        return Promise.reject(missingSchemaError(err, name, opts.path) ?? translateError(err, name));
      }
    };
  }

  return {
    ...sqliteOperations(call),
    capabilities: SQLITE_CAPABILITIES,
    close: () => {
      conn.close();
      return Promise.resolve();
    },
  };
}
