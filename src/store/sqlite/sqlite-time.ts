/**
 * Timestamps as SQLite TEXT. Written as fixed-width UTC `YYYY-MM-DD HH:MM:SS.mmm000` (pgqrs's six fractional
 * digits, millisecond precision) so that `vt <= ?` compares correctly as text; read back also from SQLite's own
 * `datetime('now')` form `YYYY-MM-DD HH:MM:SS` and from Rust pgqrs's microsecond form.
 *
 * Only years 0000–9999 have that fixed width: a later date would be written `+020000-…`, which sorts before every
 * real date as text (a message delayed to year 20000 would be delivered at once). The API refuses dates outside
 * 1970–9999 (`validation/time-arguments.ts`); {@link encodeTime} refuses anything else as a last guard. Reading
 * never fails and never yields an Invalid Date: see {@link decodeTime}.
 */
import { ValidationError } from "../../errors.js";
import { clampTime } from "../../validation/time-arguments.js";

/**
 * The last time encoded, as ms and text: the hot paths encode the same millisecond again and again (an enqueue's
 * enqueued and visible times, the `now` of consecutive claims and archives), and formatting costs more than the
 * rest of building a statement's values. An invalid time (NaN) never equals it, so it is always checked.
 */
let lastMs = Number.NaN;
let lastText = "";

export function encodeTime(d: Date): string {
  const ms = d.getTime();
  if (ms === lastMs) return lastText;
  // toISOString is `YYYY-MM-DDTHH:MM:SS.mmmZ` for years 0000-9999 only (`±YYYYYY-…` beyond, RangeError if invalid).
  const iso = Number.isNaN(ms) ? "" : d.toISOString();
  if (iso.length !== 24) {
    throw new ValidationError(`time ${iso === "" ? "Invalid Date" : iso} cannot be stored; use a date in 1970-9999`);
  }
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
  lastMs = ms;
  lastText = text;
  return text;
}

export function encodeTimeOrNull(d: Date | null): string | null {
  return d === null ? null : encodeTime(d);
}

const LOOSE = /^([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?/;

/**
 * The Date of a stored timestamp, clamped to 1970-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z (`clampTime`):
 * a row another program wrote with an earlier or later date (or a `+033715-…` year) reads as the nearest edge,
 * and text that is no timestamp at all reads as the earliest time (a visibility time that cannot be read makes
 * the message visible rather than hiding it forever). Never throws, never returns an Invalid Date.
 */
export function decodeTime(text: string): Date {
  // Fast path for the two forms this schema writes; anything else goes through the tolerant parser.
  if (text.length === 26 || text.length === 19) {
    const ms = Date.parse(`${text.slice(0, 10)}T${text.slice(11, 23)}Z`);
    if (!Number.isNaN(ms)) return clampTime(ms);
  }
  const trimmed = String(text).trim();
  const m = LOOSE.exec(trimmed);
  if (m === null) {
    // An expanded year (`+033715-08 29T…`, as older versions wrote years past 9999) is far future or far past.
    if (trimmed.startsWith("+")) return clampTime(Number.POSITIVE_INFINITY);
    return clampTime(trimmed.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.NaN);
  }
  const frac = (m[7] ?? "").padEnd(3, "0").slice(0, 3);
  const d = new Date(0);
  d.setUTCFullYear(+m[1]!, +m[2]! - 1, +m[3]!);
  d.setUTCHours(+(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), +frac);
  const ms = d.getTime();
  // Beyond JavaScript's Date range (±275,760 years) the arithmetic gives NaN: clamp by the year's sign.
  return clampTime(Number.isNaN(ms) ? (+m[1]! < 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY) : ms);
}

export function decodeTimeOrNull(text: string | null): Date | null {
  return text === null ? null : decodeTime(text);
}
