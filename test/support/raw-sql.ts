/**
 * Raw SQL on a test database, beside the store under test: what a pgqrs (Rust/Python) process sharing the database
 * would write, and real triggers that inject failures inside a backend's transaction.
 */
import Database from "better-sqlite3";
import pg from "pg";
import type { BackendName } from "./backends.js";

/** One statement per backend: SQLite as written, PostgreSQL with `{{schema}}` replaced by the quoted schema. */
export interface DialectSql {
  sqlite: string;
  postgres: string;
}

export interface RawSql {
  /** Run one statement (`?` parameters on SQLite, `$n` on PostgreSQL); rows when it returns any. */
  run(sql: DialectSql, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A raw connection to the database of `openTestStore`'s `dsn` and `schema`. */
export async function rawSql(backend: BackendName, dsn: string, schema: string): Promise<RawSql> {
  if (backend === "sqlite") {
    const db = new Database(dsn.replace(/^sqlite:\/\//, ""));
    db.pragma("busy_timeout = 5000");
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
