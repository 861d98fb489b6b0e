/**
 * The `better-sqlite3` driver, loaded on first use: it is an optional peer dependency, and PostgreSQL users never
 * install (or compile) it. Type-only imports of `better-sqlite3` stay where they are; values come from
 * {@link sqliteDriver}.
 */
import type Database from "better-sqlite3";
import { requireDriver } from "../driver-loader.js";

/** The `better-sqlite3` module's export: the `Database` constructor, with `SqliteError` on it. */
export type SqliteModule = typeof Database;

let loaded: SqliteModule | undefined;

/** The `better-sqlite3` module; throws `DRIVER_NOT_INSTALLED` (`npm install better-sqlite3`) when it is missing. */
export function sqliteDriver(): SqliteModule {
  loaded ??= requireDriver<SqliteModule>({ packageName: "better-sqlite3", backend: "SQLite" });
  return loaded;
}

/** The driver's `SqliteError` class once the driver is loaded; before that no driver error can exist. */
export function loadedSqliteError(): SqliteModule["SqliteError"] | undefined {
  return loaded?.SqliteError;
}
