/**
 * Timestamps as SQLite TEXT. Written as fixed-width UTC `YYYY-MM-DD HH:MM:SS.mmm000` (pgqrs's six fractional
 * digits, millisecond precision) so that `vt <= ?` compares correctly as text; read back also from SQLite's own
 * `datetime('now')` form `YYYY-MM-DD HH:MM:SS` and from Rust pgqrs's microsecond form.
 */

export function encodeTime(d: Date): string {
  // toISOString is always `YYYY-MM-DDTHH:MM:SS.mmmZ` for years 0000-9999.
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

export function encodeTimeOrNull(d: Date | null): string | null {
  return d === null ? null : encodeTime(d);
}

const LOOSE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?/;

export function decodeTime(text: string): Date {
  // Fast path for the two forms this schema writes; anything else goes through the tolerant parser.
  if (text.length === 26 || text.length === 19) {
    const ms = Date.parse(`${text.slice(0, 10)}T${text.slice(11, 23)}Z`);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  const m = LOOSE.exec(text);
  if (m === null) throw new RangeError(`Unreadable SQLite timestamp '${text}'`);
  const frac = (m[7] ?? "").padEnd(3, "0").slice(0, 3);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +frac));
}

export function decodeTimeOrNull(text: string | null): Date | null {
  return text === null ? null : decodeTime(text);
}
