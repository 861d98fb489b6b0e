/**
 * The SQLite backend: `createSqliteBackend` wires one better-sqlite3 connection to the operations of the
 * other `sqlite-*.ts` modules. The driver is synchronous; every method still returns a Promise, and every
 * failure becomes a rejected {@link PgqrsError}.
 */
import { existsSync } from "node:fs";
import { storeClosed } from "../../errors.js";
import { missingDatabaseFile } from "../schema-not-installed.js";
import type { StoreBackend } from "../store.js";
import { SQLITE_CAPABILITIES } from "./sqlite-backend.js";
import { SqliteConnection } from "./sqlite-connection.js";
import { translateError } from "./sqlite-errors.js";
import { missingSchemaError } from "./sqlite-missing-schema.js";
import { type OpKind, type SqliteOp, sqliteOperations } from "./sqlite-operations.js";

export interface SqliteBackendOptions {
  /**
   * Database file path or `":memory:"`. A missing file is created by the first write or `install` (its directory
   * must exist); reads before that find no pgqrs schema and create nothing.
   */
  path: string;
  /** `journal_mode=WAL` when true, `DELETE` otherwise (set when the file is first opened for writing). */
  useWal: boolean;
  /** How long a statement waits for another process's lock before failing with `BUSY`, in milliseconds. */
  busyTimeoutMs: number;
  /**
   * Open the file read-write at once, creating it if missing, instead of read-only until the first write. For a
   * file this package owns outright (the S3 backend's local cache). Default `false`.
   */
  openForWrites?: boolean;
}

/** Whether `path` names a database better-sqlite3 keeps in memory (no file to protect, none to read). */
function inMemory(path: string): boolean {
  return path === ":memory:" || path === "";
}

/**
 * The store's one connection, opened read-only until the first write or DDL: a read-write open creates a missing
 * file and sets the journal mode (rewriting the header of a file in another mode), and `verify()`, the CLI's read
 * commands and a read-only dashboard must do neither. The first write closes the read-only
 * connection and opens the file read-write, creating it if missing, exactly as a store opened before reads were
 * read-only. An in-memory database is read-write from the start.
 */
class SqliteConnectionSlot {
  readonly #opts: SqliteBackendOptions;
  #conn: SqliteConnection | undefined;
  #writable = false;
  #closed = false;

  constructor(opts: SqliteBackendOptions) {
    this.#opts = opts;
    // Opened now when there is a file (or memory), so a file that is not a database fails at connect, as before.
    if (inMemory(opts.path) || opts.openForWrites === true) this.#open(true);
    else if (existsSync(opts.path)) this.#open(false);
  }

  /** The connection for an operation of `kind`, opened (or reopened read-write) as it needs. */
  get(kind: OpKind, operation: string): SqliteConnection {
    if (this.#closed) throw storeClosed();
    if (kind !== "read") return this.#writable && this.#conn !== undefined ? this.#conn : this.#open(true);
    if (this.#conn !== undefined) return this.#conn;
    // The file may have appeared since (another process's install).
    if (!existsSync(this.#opts.path)) throw missingDatabaseFile("SQLite", this.#opts.path, operation);
    return this.#open(false);
  }

  close(): void {
    this.#closed = true;
    this.#conn?.close();
    this.#conn = undefined;
  }

  #open(writable: boolean): SqliteConnection {
    // Closed first: leaving WAL for `useWal: false` needs the file to itself, and the reader would hold it open.
    this.#conn?.close();
    this.#conn = undefined;
    try {
      this.#conn = new SqliteConnection({ ...this.#opts, readOnly: !writable });
    } catch (err) {
      throw translateError(err, `open SQLite database '${this.#opts.path}'`);
    }
    this.#writable = writable;
    return this.#conn;
  }
}

export function createSqliteBackend(opts: SqliteBackendOptions): StoreBackend {
  const slot = new SqliteConnectionSlot(opts);
  // Promise.resolve/reject instead of `async` so a synchronous driver call costs no extra microtask hop. SQLite
  // waits for another process's lock in the driver (busyTimeoutMs), so every kind of operation runs the same way;
  // the kind only decides whether the operation may run on the read-only connection.
  function call<A extends unknown[], R>(kind: OpKind, name: string, op: SqliteOp<A, R>): (...args: A) => Promise<R> {
    return (...args: A) => {
      try {
        return Promise.resolve(op(slot.get(kind, name), ...args));
      } catch (err) {
        return Promise.reject(missingSchemaError(err, name, opts.path) ?? translateError(err, name));
      }
    };
  }

  return {
    ...sqliteOperations(call),
    capabilities: SQLITE_CAPABILITIES,
    close: () => {
      slot.close();
      return Promise.resolve();
    },
  };
}
