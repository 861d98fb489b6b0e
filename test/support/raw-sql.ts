/**
 * Raw SQL on a test database, beside the store under test: what a pgqrs (Rust/Python) process sharing the database
 * would write, and real triggers that inject failures inside a backend's transaction.
 */
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import pg from "pg";
import { type BackendName, databaseFile, dialectOf } from "./backends.js";

/** One statement per SQL dialect: SQLite as written (SQLite, Turso), PostgreSQL with `{{schema}}` replaced. */
export interface DialectSql {
  sqlite: string;
  postgres: string;
}

export interface RawSql {
  /** Run one statement (`?` parameters on SQLite, `$n` on PostgreSQL); rows when it returns any. */
  run(sql: DialectSql, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A statement of better-sqlite3 or of Turso's better-sqlite3-shaped compat API. */
export interface SqliteLikeStatement {
  readonly reader: boolean;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}

/** A synchronous connection with better-sqlite3's shape. */
export interface SqliteLikeDatabase {
  prepare(sql: string): SqliteLikeStatement;
  pragma(source: string): unknown;
  close(): void;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * A second connection in this process to the file of a file backend, through that backend's own engine: a Turso
 * file is opened with Turso (which serves one process: this one), a SQLite file with better-sqlite3.
 */
export function openFile(backend: BackendName, file: string): SqliteLikeDatabase {
  if (backend === "turso") {
    const turso = requireFromHere("@tursodatabase/database/compat") as {
      Database: new (path: string) => SqliteLikeDatabase;
    };
    return new turso.Database(file);
  }
  const db = new Database(file);
  db.pragma("busy_timeout = 5000");
  return db;
}

/** A raw connection to the database of `openTestStore`'s `dsn` and `schema`. */
export async function rawSql(backend: BackendName, dsn: string, schema: string): Promise<RawSql> {
  if (dialectOf(backend) === "sqlite") {
    const db = openFile(backend, databaseFile(dsn));
    return {
      run: async (sql, params = []) => {
        const stmt = db.prepare(sql.sqlite);
        if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
        stmt.run(...params);
        return [];
      },
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  return {
    run: async (sql, params = []) =>
      (await client.query(sql.postgres.replaceAll("{{schema}}", quoted), [...params])).rows,
    close: () => client.end(),
  };
}
