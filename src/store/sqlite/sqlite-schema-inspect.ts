/** Reading a SQLite file's schema (columns, index definitions, delete cascades) for install and verify. */
import type { SqliteConnection } from "./sqlite-connection.js";
import type { CascadeSpec } from "./sqlite-cascade-spec.js";
import type { IndexSpec } from "./sqlite-schema-spec.js";

export function columnsOf(c: SqliteConnection, table: string): Set<string> {
  return new Set(c.all<{ name: string }>("SELECT name FROM pragma_table_info(?)", table).map((r) => r.name));
}

/** `a  IS  NULL` and `a IS NULL` are one condition; SQLite keeps the CREATE INDEX text as written. */
function normalise(condition: string): string {
  return condition.replace(/;\s*$/, "").replace(/\s+/g, " ").trim().toLowerCase();
}

/** Why the file's index differs from the spec, or undefined when it matches; "missing" when there is none. */
export function indexMismatch(c: SqliteConnection, spec: IndexSpec): string | undefined {
  const row = c.get<{ tbl_name: string; sql: string | null }>(
    "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND name = ?",
    spec.name,
  );
  if (row === undefined) return "missing";
  const columns = c
    .all<{ name: string | null; desc: number }>(
      "SELECT name, desc FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
      spec.name,
    )
    .map((r) => `${r.name ?? "<expression>"}${r.desc === 1 ? " DESC" : ""}`);
  const unique = /^\s*create\s+unique\b/i.test(row.sql ?? "");
  const where = /\bwhere\b([\s\S]*)$/i.exec(row.sql ?? "")?.[1];
  const expected = `${spec.unique === true ? "UNIQUE " : ""}${spec.table} (${spec.columns.join(", ")})${spec.where === null ? "" : ` WHERE ${spec.where}`}`;
  const actual = `${unique ? "UNIQUE " : ""}${row.tbl_name} (${columns.join(", ")})${where === undefined ? "" : ` WHERE ${where.trim()}`}`;
  const same =
    row.tbl_name === spec.table &&
    (spec.unique !== true || unique) &&
    columns.join(",") === spec.columns.join(",") &&
    (where === undefined ? spec.where === null : spec.where !== null && normalise(where) === normalise(spec.where));
  return same ? undefined : `is ${actual}, expected ${expected}`;
}

/** True when deleting a parent row removes its children: a cascading foreign key, or our trigger. */
export function deletesCascade(c: SqliteConnection, spec: CascadeSpec): boolean {
  const fks = c.all<{ table: string; from: string; on_delete: string }>(
    'SELECT "table", "from", on_delete FROM pragma_foreign_key_list(?)',
    spec.child,
  );
  const fk = fks.find((f) => f.table === spec.parent && f.from === spec.column);
  if (fk?.on_delete.toUpperCase() === "CASCADE") return true;
  return c.get("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", spec.trigger) !== undefined;
}
