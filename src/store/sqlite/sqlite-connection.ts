/**
 * One better-sqlite3 connection with a prepared-statement cache and a `BEGIN IMMEDIATE` helper.
 * better-sqlite3 is synchronous, so each statement is atomic within this process; `immediate` takes the
 * database write lock up front so that a second process on the same file serialises instead of deadlocking
 * on a read-to-write lock upgrade.
 */
import type Database from "better-sqlite3";
import { storeClosed } from "../../errors.js";
import { sqliteDriver } from "./sqlite-driver.js";

export interface SqliteConnectionOptions {
  path: string;
  useWal: boolean;
  busyTimeoutMs: number;
  /**
   * Open the file read-only, and only if it exists (SQLITE_CANTOPEN otherwise): nothing is created, and the journal
   * mode is left as the file has it, since setting it rewrites the file's header. Default `false`.
   */
  readOnly?: boolean;
}

type Statement = Database.Statement<unknown[], unknown>;

/** WAL pages between automatic checkpoints (SQLite's default is 1,000). */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Bound on cached statements: batch inserts of many distinct sizes would otherwise grow the cache forever. */
const MAX_CACHED_STATEMENTS = 512;

/** Busy timeout while a connection opens, at least (ms): see the constructor. */
const OPEN_BUSY_TIMEOUT_MS = 5_000;

/** Pause between attempts when SQLite reports BUSY at open without waiting in its busy handler (ms). */
const OPEN_RETRY_PAUSE_MS = 10;

/**
 * The connection's PRAGMAs, retried while SQLite answers BUSY (also `SQLITE_BUSY_RECOVERY`) until `withinMs` has
 * passed: some lock conflicts return at once instead of waiting in the busy handler. Every PRAGMA here is
 * idempotent, so a partial attempt is simply run again.
 */
function applyOpenPragmas(db: Database.Database, useWal: boolean, readOnly: boolean, withinMs: number): void {
  const started = performance.now();
  for (;;) {
    try {
      if (readOnly) {
        // Reads the header, so a file that is not a database fails here, at open, as the journal mode makes a
        // read-write open fail; the journal-mode, synchronous and checkpoint settings are a writer's, so none is set.
        db.pragma("schema_version");
        db.pragma("foreign_keys = ON");
        return;
      }
      db.pragma(`journal_mode = ${useWal ? "WAL" : "DELETE"}`);
      db.pragma("synchronous = NORMAL");
      // A queue rewrites the same few index pages with every claim and archive: checkpointing every 10,000 WAL
      // pages (about 40 MB) instead of SQLite's 1,000 copies each such page into the database file once per ten
      // times as many transactions (measured: +10% on 50-message claims). The WAL file keeps that size once reached.
      if (useWal) db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma("foreign_keys = ON");
      return;
    } catch (err) {
      const busy = err instanceof sqliteDriver().SqliteError && err.code.startsWith("SQLITE_BUSY");
      if (!busy || performance.now() - started >= withinMs) throw err;
      // A synchronous pause: the constructor is synchronous, and this runs once per store, never on a hot path.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, OPEN_RETRY_PAUSE_MS);
    }
  }
}

export class SqliteConnection {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Statement>();
  /** Statements in raw mode: better-sqlite3 keeps the mode on the statement, so they are cached apart. */
  readonly #tupleStatements = new Map<string, Statement>();
  readonly #transaction: Database.Transaction<(fn: () => unknown) => unknown>;
  #closed = false;
  #mainFile: string | undefined;

  constructor(opts: SqliteConnectionOptions) {
    const busyTimeoutMs = Math.max(0, Math.trunc(opts.busyTimeoutMs));
    // Opened under a floor busy timeout: another process's WAL recovery at its open, or its checkpoint at its last
    // close, holds an exclusive lock for a moment, and setting the journal mode must wait that out however short the
    // user's timeout (which is for statements, not for opening). The user's value applies once the file is open.
    const openTimeoutMs = Math.max(busyTimeoutMs, OPEN_BUSY_TIMEOUT_MS);
    const Driver = sqliteDriver();
    const readOnly = opts.readOnly === true;
    this.#db = new Driver(opts.path, { timeout: openTimeoutMs, readonly: readOnly, fileMustExist: readOnly });
    try {
      applyOpenPragmas(this.#db, opts.useWal, readOnly, openTimeoutMs);
      this.#db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    this.#transaction = this.#db.transaction((fn: () => unknown) => fn());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The main database's file as SQLite resolved it (`PRAGMA database_list`); `""` in memory. */
  get mainFile(): string {
    if (this.#mainFile === undefined) {
      const rows = this.#db.pragma("database_list") as { name: string; file: string }[];
      this.#mainFile = rows.find((r) => r.name === "main")?.file ?? "";
    }
    return this.#mainFile;
  }

  /** The cached prepared statement for this SQL text. */
  statement(sql: string): Statement {
    return this.#cached(this.#statements, sql, false);
  }

  all<R>(sql: string, ...params: unknown[]): R[] {
    return this.statement(sql).all(...params) as R[];
  }

  /**
   * Rows as arrays in SELECT/RETURNING column order. The hot paths read many rows per call, and building an
   * object with named keys per row costs more than the rest of the mapping (measured on claims of 50 rows).
   */
  tuples<R extends unknown[]>(sql: string, ...params: unknown[]): R[] {
    return this.#cached(this.#tupleStatements, sql, true).all(...params) as R[];
  }

  get<R>(sql: string, ...params: unknown[]): R | undefined {
    return this.statement(sql).get(...params) as R | undefined;
  }

  run(sql: string, ...params: unknown[]): number {
    return this.statement(sql).run(...params).changes;
  }

  /** Run several statements of uncached SQL text (migrations). */
  exec(sql: string): void {
    this.#assertOpen();
    this.#db.exec(sql);
  }

  /** Run `fn` inside `BEGIN IMMEDIATE … COMMIT`; any throw rolls back and propagates. */
  immediate<T>(fn: () => T): T {
    this.#assertOpen();
    return this.#transaction.immediate(fn) as T;
  }

  /**
   * {@link immediate} with this connection's foreign-key enforcement off, for a bulk delete that checks the rows
   * referencing what it deletes itself, set-based, under the write lock: SQLite checks a deleted parent's references
   * one parent at a time and reads the whole child table for each where the child column has no index. Nested in an
   * open transaction (where SQLite ignores the pragma) the checks stay on, which is slower and as correct. Enforcement
   * is back on before this returns or throws; other connections keep theirs throughout.
   */
  immediateCheckingReferencesItself<T>(fn: () => T): T {
    this.#assertOpen();
    if (this.#db.inTransaction) return this.immediate(fn);
    this.#db.pragma("foreign_keys = OFF");
    try {
      return this.immediate(fn);
    } finally {
      this.#db.pragma("foreign_keys = ON");
    }
  }

  /** {@link immediate}: the all-or-nothing of an enqueue on this store's own connection (sqlite-app-tx.ts). */
  atomic<T>(fn: () => T): T {
    return this.immediate(fn);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#tupleStatements.clear();
    this.#db.close();
  }

  /** Throws STORE_CLOSED after {@link close}. */
  assertOpen(): void {
    this.#assertOpen();
  }

  #cached(cache: Map<string, Statement>, sql: string, raw: boolean): Statement {
    this.#assertOpen();
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare<unknown[], unknown>(sql);
      if (raw) stmt.raw(true);
      if (cache.size >= MAX_CACHED_STATEMENTS) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      cache.set(sql, stmt);
    }
    return stmt;
  }

  #assertOpen(): void {
    if (this.#closed) throw storeClosed();
  }
}
