/**
 * The Turso backend: `createTursoBackend` runs the SQLite backend's statement modules on one Turso connection
 * (`@tursodatabase/database`, the engine pgqrs's Turso backend uses). Turso speaks SQLite's SQL and file format,
 * so only what differs lives here: the connection, error recognition (turso-errors.ts), pgqrs's lock-retry rule
 * for reads and schema changes (turso-lock-retry.ts) and the two operations that recognise a unique violation.
 * A Turso file serves one process (the engine locks it), which the capabilities say.
 */
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
  /** Database file path (created if missing; its directory must exist). */
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
  let conn: TursoConnection;
  try {
    conn = new TursoConnection({ path: opts.path, busyTimeoutMs: opts.busyTimeoutMs ?? 0 });
  } catch (err) {
    throw translateTursoError(err, `open Turso database '${opts.path}'`);
  }
  const policy = opts.lockRetry ?? PGQRS_LOCK_RETRY;
  // The SQLite statement modules take a SqliteConnection; TursoConnection has every member they call
  // (`implements SqliteStatementHost`), and the class's private fields are all that keep TypeScript from seeing it.
  const c = conn as unknown as SqliteConnection;
  const fail = (err: unknown, name: string): Promise<never> =>
    Promise.reject(tursoMissingSchemaError(err, name, opts.path) ?? translateTursoError(err, name));

  function op<A extends unknown[], R>(kind: OpKind, name: string, fn: SqliteOp<A, R>): (...args: A) => Promise<R> {
    return (...args: A) => {
      const attempt = (): R => {
        conn.assertOpen();
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
      conn.close();
      return Promise.resolve();
    },
  };
}
