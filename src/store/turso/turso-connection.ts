/**
 * One Turso connection (the synchronous compat API) with a prepared-statement cache and a `BEGIN IMMEDIATE` helper.
 * It has the members the SQLite backend's statement modules call on a `SqliteConnection`, with the same meaning, so
 * those modules run on Turso unchanged (see turso-store.ts). Every call runs to completion synchronously, so one
 * connection never interleaves with itself; another connection to the file (the application's own, or a second
 * store in this process) can hold the write lock, and then a statement fails at once with `database is locked`
 * (busy timeout 0: waiting synchronously would block the very event loop the holder needs to finish). Reads and
 * DDL are retried later by the backend (turso-lock-retry.ts); DML is not.
 */
import { PgqrsError, storeClosed } from "../../errors.js";
import type { SqliteConnection } from "../sqlite/sqlite-connection.js";
import { tursoDdl } from "./turso-ddl.js";
import { type TursoDatabase, type TursoStatement, tursoDriver } from "./turso-driver.js";

/** The members of `SqliteConnection` that the SQLite statement modules use. */
export type SqliteStatementHost = Pick<
  SqliteConnection,
  | "get"
  | "all"
  | "run"
  | "tuples"
  | "exec"
  | "immediate"
  | "immediateCheckingReferencesItself"
  | "atomic"
  | "mainFile"
  | "assertOpen"
  | "close"
  | "closed"
>;

export interface TursoConnectionOptions {
  /** Database file path (created if missing; its directory must exist). */
  path: string;
  /** How long a statement waits in the engine for another connection's lock, in milliseconds. */
  busyTimeoutMs: number;
}

/** Statements that only read: a SELECT or PRAGMA, or a WITH … SELECT that names no write. */
const READING = /^\s*(?:SELECT|PRAGMA|WITH\b(?![\s\S]*\b(?:INSERT|UPDATE|DELETE|REPLACE)\b))/i;

/** Statements that read the schema (sqlite_master, the pragma table functions): never cached. */
const READS_SCHEMA = /\bsqlite_master\b|\bpragma_\w+\s*\(/i;

/** Bound on cached statements, as on SQLite. */
const MAX_CACHED_STATEMENTS = 512;

export class TursoConnection implements SqliteStatementHost {
  readonly #db: TursoDatabase;
  readonly #path: string;
  readonly #statements = new Map<string, TursoStatement>();
  readonly #tupleStatements = new Map<string, TursoStatement>();
  #closed = false;
  #depth = 0;
  #readOnly = false;

  constructor(opts: TursoConnectionOptions) {
    const { Database } = tursoDriver();
    this.#path = opts.path;
    this.#db = new Database(opts.path);
    try {
      // pgqrs's Turso PRAGMAs (WAL, foreign keys), plus synchronous=NORMAL as on the SQLite backend: with FULL every
      // commit waits for an fsync (measured 7 ms per insert against 0.1 ms), and WAL with NORMAL loses no
      // committed transaction on a process crash, only on a power loss.
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA synchronous = NORMAL");
      this.#db.exec("PRAGMA foreign_keys = ON");
      this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs))}`);
    } catch (err) {
      this.#db.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The database file as given when opening (Turso has no `PRAGMA database_list` resolution of its own). */
  get mainFile(): string {
    return this.#path;
  }

  all<R>(sql: string, ...params: unknown[]): R[] {
    return this.#execute(sql, false, (stmt) => stmt.all(...params)) as R[];
  }

  /** Rows as arrays in SELECT/RETURNING column order (raw mode). */
  tuples<R extends unknown[]>(sql: string, ...params: unknown[]): R[] {
    return this.#execute(sql, true, (stmt) => stmt.all(...params)) as R[];
  }

  get<R>(sql: string, ...params: unknown[]): R | undefined {
    return this.#execute(sql, false, (stmt) => stmt.get(...params)) as R | undefined;
  }

  run(sql: string, ...params: unknown[]): number {
    return this.#execute(sql, false, (stmt) => stmt.run(...params)).changes;
  }

  /** Run several statements of uncached SQL text (migrations), in the form Turso reads as SQLite does. */
  exec(sql: string): void {
    this.#assertOpen();
    this.#db.exec(tursoDdl(sql));
  }

  /**
   * Run `fn` inside `BEGIN IMMEDIATE … COMMIT`; any throw rolls back and propagates. Nested calls run inside a
   * savepoint, as better-sqlite3's nested transactions do, so a caught failure of the inner part undoes only it.
   */
  immediate<T>(fn: () => T): T {
    this.#assertOpen();
    const nested = this.#depth > 0;
    const savepoint = `pgqrs_sp_${this.#depth}`;
    this.#db.exec(nested ? `SAVEPOINT ${savepoint}` : "BEGIN IMMEDIATE");
    this.#depth += 1;
    try {
      const result = fn();
      this.#db.exec(nested ? `RELEASE ${savepoint}` : "COMMIT");
      return result;
    } catch (err) {
      this.#rollback(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : "ROLLBACK");
      throw err;
    } finally {
      this.#depth -= 1;
    }
  }

  /**
   * {@link immediate}, the foreign-key checks left on: the statements check the references themselves as well, and
   * Turso's engine is not asked to switch its checks mid-connection.
   */
  immediateCheckingReferencesItself<T>(fn: () => T): T {
    return this.immediate(fn);
  }

  /** {@link immediate}: the all-or-nothing of an enqueue on this store's own connection. */
  atomic<T>(fn: () => T): T {
    return this.immediate(fn);
  }

  /**
   * Run `fn` refusing any statement that could write (QUERY_FAILED, nothing run): the backend retries the
   * operations it runs here on `database is locked`, which is only safe for statements that write nothing.
   */
  readOnly<T>(fn: () => T): T {
    this.#readOnly = true;
    try {
      return fn();
    } finally {
      this.#readOnly = false;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stmt of [...this.#statements.values(), ...this.#tupleStatements.values()]) stmt.close();
    this.#statements.clear();
    this.#tupleStatements.clear();
    this.#db.close();
  }

  /** Throws STORE_CLOSED after {@link close}. */
  assertOpen(): void {
    this.#assertOpen();
  }

  /**
   * Run `fn` on the statement of `sql`, then reset it: a Turso statement that has returned its last row still holds
   * its read transaction until reset, and a schema change on the connection while one does makes the engine abort
   * the process (Turso 0.7.2, seen with `pragma_table_info`). Statements that read the schema are prepared afresh
   * each time: a cached one keeps answering from the schema it was prepared against.
   */
  #execute<T>(sql: string, raw: boolean, fn: (stmt: TursoStatement) => T): T {
    if (READS_SCHEMA.test(sql)) {
      const stmt = this.#prepare(sql, raw);
      try {
        return fn(stmt);
      } finally {
        stmt.close();
      }
    }
    const stmt = this.#cached(raw ? this.#tupleStatements : this.#statements, sql, raw);
    try {
      return fn(stmt);
    } finally {
      stmt.stmt.reset();
    }
  }

  #rollback(sql: string): void {
    // A failed COMMIT (or a statement error the engine answered with a rollback) can leave no transaction open.
    if (!this.#db.inTransaction) return;
    try {
      this.#db.exec(sql);
    } catch {
      // The error that made us roll back is the one to report.
    }
  }

  #prepare(sql: string, raw: boolean): TursoStatement {
    this.#assertUsable(sql);
    const stmt = this.#db.prepare(sql);
    if (raw) stmt.raw(true);
    return stmt;
  }

  #cached(cache: Map<string, TursoStatement>, sql: string, raw: boolean): TursoStatement {
    const known = cache.get(sql);
    if (known !== undefined) {
      this.#assertUsable(sql);
      return known;
    }
    const stmt = this.#prepare(sql, raw);
    if (cache.size >= MAX_CACHED_STATEMENTS) {
      const oldest = cache.entries().next();
      if (oldest.done !== true) {
        cache.delete(oldest.value[0]);
        oldest.value[1].close();
      }
    }
    cache.set(sql, stmt);
    return stmt;
  }

  /** STORE_CLOSED after close; QUERY_FAILED for a statement that may write inside {@link readOnly}. */
  #assertUsable(sql: string): void {
    this.#assertOpen();
    if (this.#readOnly && !READING.test(sql)) {
      throw new PgqrsError("QUERY_FAILED", `A statement that may write ran in a read-only operation: ${sql.trim()}`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw storeClosed();
  }
}
