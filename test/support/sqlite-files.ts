/**
 * SQLite files as they are on disk, read without changing them: for the tests that check a store or the CLI leaves
 * a file alone (no journal-mode switch, no sidecar files, the same bytes).
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { freshSqlitePath } from "./backends.js";

/** The journal mode the file has, read without changing it. */
export function journalMode(path: string): unknown {
  const raw = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return raw.pragma("journal_mode", { simple: true });
  } finally {
    raw.close();
  }
}

/** A rollback-journal (`DELETE` mode) database in a fresh directory, with one table that is not pgqrs's. */
export function foreignDatabase(): string {
  const path = freshSqlitePath();
  const raw = new Database(path);
  raw.exec("CREATE TABLE t (x)");
  raw.close();
  return path;
}

/** The file still has the bytes `before`, is still in rollback-journal mode, and nothing was added beside it. */
export function expectUntouched(path: string, before: Buffer): void {
  expect(readFileSync(path).equals(before)).toBe(true);
  expect(journalMode(path)).toBe("delete");
  expect(readdirSync(dirname(path))).toEqual([basename(path)]);
}
