/**
 * The Turso backend: `createTursoBackend` runs the SQLite backend's statement modules on one Turso connection
 * (`@tursodatabase/database`, the engine pgqrs's Turso backend uses). Turso speaks SQLite's SQL and file format,
 * so only what differs lives here: the connection, error recognition (turso-errors.ts), pgqrs's lock-retry rule
 * for reads and schema changes (turso-lock-retry.ts) and the two operations that recognise a unique violation.
 * A Turso file serves one process (the engine locks it), which the capabilities say.
 */
import { existsSync } from "node:fs";
import { storeClosed } from "../../errors.js";
import { missingDatabaseFile } from "../schema-not-installed.js";
import type { StoreBackend } from "../store.js";
import { TURSO_CAPABILITIES } from "./turso-backend.js";
import type { SqliteConnection } from "../sqlite/sqlite-connection.js";
import { type OpKind, type SqliteOp, sqliteOperations } from "../sqlite/sqlite-operations.js";
import { TursoConnection } from "./turso-connection.js";
import { isLocked, translateTursoError, tursoMissingSchemaError } from "./turso-errors.js";
import { type LockRetryPolicy, PGQRS_LOCK_RETRY, retryWhileLocked } from "./turso-lock-retry.js";
import { replayDeadLetter } from "./turso-message-queries.js";
import { createQueue } from "./turso-queues.js";
import { cancelRunTree } from "./turso-run-primitives.js";

export interface TursoBackendOptions {
  /**
   * Database file path or `":memory:"`. A missing file is created by the first write or `install` (its directory
   * must exist); reads before that find no pgqrs schema and create nothing.
   */
  path: string;
  /**
   * How long a statement waits in the engine for another connection's lock, in milliseconds. Default 0: the wait
   * would block this process's event loop, where the lock's holder runs; reads and schema changes are retried
   * asynchronously instead ({@link lockRetry}).
   */
  busyTimeoutMs?: number;
  /** Retries of reads and schema changes that met `database is locked`. Default pgqrs's (10 retries, 50 ms → 5 s). */
  lockRetry?: LockRetryPolicy;
}

export function createTursoBackend(opts: TursoBackendOptions): StoreBackend {
  const slot = new TursoConnectionSlot(opts);
  const policy = opts.lockRetry ?? PGQRS_LOCK_RETRY;
  const fail = (err: unknown, name: string): Promise<never> =>
    Promise.reject(tursoMissingSchemaError(err, name, opts.path) ?? translateTursoError(err, name));

  function op<A extends unknown[], R>(kind: OpKind, name: string, fn: SqliteOp<A, R>): (...args: A) => Promise<R> {
    return (...args: A) => {
      const attempt = (): R => {
        const conn = slot.get(kind, name);
        conn.assertOpen();
        // The SQLite statement modules take a SqliteConnection; TursoConnection has every member they call
        // (`implements SqliteStatementHost`), and the class's private fields are all that keep TypeScript from
        // seeing it.
        const c = conn as unknown as SqliteConnection;
        return kind === "read" ? conn.readOnly(() => fn(c, ...args)) : fn(c, ...args);
      };
      try {
        return Promise.resolve(attempt());
      } catch (err) {
        if (kind === "write" || !isLocked(err)) return fail(err, name);
        return retryWhileLocked(policy, attempt, isLocked, err).catch((last: unknown) => fail(last, name));
      }
    };
  }
  return {
    // Reads and DDL that meet a locked database are retried; writes never (a retried write could apply twice).
    ...sqliteOperations(op, { createQueue, replayDeadLetter, cancelRunTree }),
    capabilities: TURSO_CAPABILITIES,
    close: () => {
      slot.close();
      return Promise.resolve();
    },
  };
}

/**
 * The store's one connection, opened at once when its file exists (or in memory), else by the first write or DDL:
 * opening creates a missing file, and a read (`pgqrs verify` of a mistyped path) must create nothing. A read before
 * then finds no pgqrs schema.
 */
class TursoConnectionSlot {
  readonly #opts: TursoBackendOptions;
  #conn: TursoConnection | undefined;
  #closed = false;

  constructor(opts: TursoBackendOptions) {
    this.#opts = opts;
    if (opts.path === ":memory:" || existsSync(opts.path)) this.#open();
  }

  /** The connection for an operation of `kind`, opened if a write needs it. */
  get(kind: OpKind, operation: string): TursoConnection {
    if (this.#closed) throw storeClosed();
    if (this.#conn !== undefined) return this.#conn;
    // The file may have appeared since (another process's install): open it then.
    if (kind === "read" && !existsSync(this.#opts.path)) throw missingDatabaseFile("Turso", this.#opts.path, operation);
    return this.#open();
  }

  close(): void {
    this.#closed = true;
    this.#conn?.close();
    this.#conn = undefined;
  }

  #open(): TursoConnection {
    try {
      this.#conn = new TursoConnection({ path: this.#opts.path, busyTimeoutMs: this.#opts.busyTimeoutMs ?? 0 });
    } catch (err) {
      throw translateTursoError(err, `open Turso database '${this.#opts.path}'`);
    }
    return this.#conn;
  }
}
