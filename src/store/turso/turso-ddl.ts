/**
 * The SQLite migrations' DDL as Turso needs it. Turso 0.7.2 reads `ALTER TABLE t ADD COLUMN c TEXT NULL` as
 * `NOT NULL` (CREATE TABLE reads `NULL` correctly), so every row inserted without that column then fails. The
 * explicit `NULL` says nothing SQLite does not assume anyway; it is dropped from ADD COLUMN clauses here, and
 * nothing else in the text changes.
 */
const ADD_COLUMN_NULL = /(\bADD\s+COLUMN\s+"?\w+"?\s+\w+)\s+NULL\b/gi;

/** `sql` with the redundant `NULL` of every ADD COLUMN clause removed. */
export function tursoDdl(sql: string): string {
  return sql.replace(ADD_COLUMN_NULL, "$1");
}
