/**
 * Column values as node-postgres returns them (int8 as text, timestamptz as Date, JSONB parsed), read as record
 * fields.
 */

export function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

export function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : date(v);
}

/** A JSONB column: SQL NULL reads as `null`. */
export function json(v: unknown): unknown {
  return v === undefined ? null : v;
}

export function textOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
