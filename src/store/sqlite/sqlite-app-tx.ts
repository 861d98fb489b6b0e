/**
 * The application's own better-sqlite3 Database inside its open transaction (`EnqueueParams.tx`, the outbox): the
 * insert runs on it, synchronously, so it commits or rolls back with the application's transaction. It must be a
 * connection to this store's file (same tables), with a transaction open (`inTransaction`).
 */
import type Database from "better-sqlite3";
import { ValidationError } from "../../errors.js";
import type { SqliteConnection } from "./sqlite-connection.js";

type Statement = Database.Statement<unknown[], unknown>;

/** What enqueue needs of a connection: this store's own, or the application's. */
export interface SqlExecutor {
  tuples<R extends unknown[]>(sql: string, ...params: unknown[]): R[];
  get<R>(sql: string, ...params: unknown[]): R | undefined;
  /** `fn` all-or-nothing: this store's BEGIN IMMEDIATE, or a savepoint in the application's transaction. */
  atomic<T>(fn: () => T): T;
}

interface AppConnection {
  executor: SqlExecutor;
  /** The main database's file as SQLite resolved it (`PRAGMA database_list`). */
  file: string;
}

/** Executors of application connections seen before, with their prepared statements. */
const appConnections = new WeakMap<Database.Database, AppConnection>();

function mainFile(db: { pragma(sql: string): unknown }): string {
  const rows = db.pragma("database_list") as { name: string; file: string }[];
  return rows.find((r) => r.name === "main")?.file ?? "";
}

function appConnection(db: Database.Database): AppConnection {
  let known = appConnections.get(db);
  if (known !== undefined) return known;
  const statements = new Map<string, Statement>();
  const tupleStatements = new Map<string, Statement>();
  const prepared = (sql: string, raw: boolean): Statement => {
    const cache = raw ? tupleStatements : statements;
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare<unknown[], unknown>(sql);
      if (raw) stmt.raw(true);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  known = {
    file: mainFile(db),
    executor: {
      tuples: <R extends unknown[]>(sql: string, ...params: unknown[]) => prepared(sql, true).all(...params) as R[],
      get: <R>(sql: string, ...params: unknown[]) => prepared(sql, false).get(...params) as R | undefined,
      atomic: <T>(fn: () => T) => db.transaction(fn)() as T,
    },
  };
  appConnections.set(db, known);
  return known;
}

/**
 * The executor for `tx`: VALIDATION_FAILED (nothing written) unless it is an open better-sqlite3 Database with a
 * transaction open, on the same database file as `c`.
 */
export function appTxExecutor(c: SqliteConnection, tx: unknown): SqlExecutor {
  const isDatabase =
    typeof tx === "object" &&
    tx !== null &&
    ["prepare", "pragma", "transaction"].every((f) => typeof (tx as Record<string, unknown>)[f] === "function");
  if (!isDatabase) {
    throw new ValidationError("tx must be a better-sqlite3 Database inside an open transaction", { argument: "tx" });
  }
  const db = tx as Database.Database;
  if (db.open !== true || db.inTransaction !== true) {
    throw new ValidationError(
      "tx must be a better-sqlite3 Database inside an open transaction (db.inTransaction is false)",
      { argument: "tx" },
    );
  }
  const app = appConnection(db);
  const own = c.mainFile;
  if (app.file === "" || app.file !== own) {
    throw new ValidationError(
      `tx is a connection to another database (${app.file === "" ? "in memory" : app.file}), not this store's (${own})`,
      { argument: "tx" },
    );
  }
  return app.executor;
}
