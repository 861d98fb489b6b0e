/**
 * PostgreSQL `timestamptz`/`timestamp` text (DateStyle ISO) to a Date, clamped to the supported range
 * 1970-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z (`clampTime`), so a row another program wrote can never read
 * back as an Invalid Date: `4369-04-02 00:00:00+00 BC` and `-infinity` read as the earliest time, `20000-01-01 …`
 * and `infinity` as the latest, text in another DateStyle goes through `Date.parse` (the earliest time when even
 * that fails). A value without an offset (`timestamp`) is local time, as node-postgres reads it.
 */
import { clampTime } from "../../validation/time-arguments.js";

const ISO =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

export function parsePgTimestamp(text: string): Date {
  const fast = canonicalTimestampMs(text);
  return fast === undefined ? readPgTimestamp(text) : clampTime(fast);
}

/** @internal The general reader of {@link parsePgTimestamp}, for any text (exported for its tests). */
export function readPgTimestamp(text: string): Date {
  if (text === "infinity") return clampTime(Number.POSITIVE_INFINITY);
  if (text === "-infinity") return clampTime(Number.NEGATIVE_INFINITY);
  const m = ISO.exec(text);
  if (m === null) return clampTime(Date.parse(text));
  const bc = m[12] !== undefined;
  // Year 1 BC is year 0 in ISO 8601 (and JavaScript); 4369 BC is -4368.
  const year = bc ? 1 - Number(m[1]) : Number(m[1]);
  // Far outside the range, and possibly outside JavaScript's (±275,760 years): no arithmetic needed.
  if (year > 10_000) return clampTime(Number.POSITIVE_INFINITY);
  if (year < 1_900) return clampTime(Number.NEGATIVE_INFINITY);
  const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const d = new Date(0);
  if (m[8] === undefined) {
    d.setFullYear(year, Number(m[2]) - 1, Number(m[3]));
    d.setHours(Number(m[4]), Number(m[5]), Number(m[6]), ms);
    return clampTime(d.getTime());
  }
  d.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), ms);
  const offsetSeconds = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
  return clampTime(d.getTime() - (m[8] === "-" ? -1 : 1) * offsetSeconds * 1000);
}

/** The character code of `0`. */
const ZERO = 48;

/** The digits of `text` from `start` to `end` (exclusive) as a number; -1 when one is not a digit. */
function digitsAt(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Epoch milliseconds of the text PostgreSQL sends for a `timestamptz` in its usual shape, `YYYY-MM-DD
 * HH:MM:SS[.f{1,6}]±HH[:MM[:SS]]` with a year from 1900 to 9999, read without building a regular-expression match
 * (rows carry several timestamps each, on the hot paths); `undefined` for any other text, which the general reader
 * takes. The same value as the general reader: fractions beyond milliseconds are cut, the offset is subtracted.
 */
function canonicalTimestampMs(text: string): number | undefined {
  const n = text.length;
  if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  if (year < 1900 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    const start = i + 1;
    let end = start;
    while (end < n && end - start < 7 && text.charCodeAt(end) >= ZERO && text.charCodeAt(end) <= ZERO + 9) end++;
    const digits = end - start;
    if (digits === 0 || digits > 6) return undefined;
    // Milliseconds: the first three digits, padded (".5" is 500 ms), the rest cut.
    ms = digitsAt(text, start, Math.min(end, start + 3)) * 10 ** Math.max(0, 3 - digits);
    i = end;
  }
  const sign = text.charCodeAt(i);
  if (sign !== 43 && sign !== 45) return undefined;
  const offsetHours = digitsAt(text, i + 1, i + 3);
  if (offsetHours < 0 || i + 3 > n) return undefined;
  let offsetSeconds = offsetHours * 3600;
  i += 3;
  // Minutes, then seconds, each after a colon.
  for (let unit = 60; i < n && unit >= 1; unit /= 60) {
    if (text.charCodeAt(i) !== 58 || i + 3 > n) return undefined;
    const v = digitsAt(text, i + 1, i + 3);
    if (v < 0) return undefined;
    offsetSeconds += v * unit;
    i += 3;
  }
  if (i !== n) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return utc - (sign === 45 ? -1 : 1) * offsetSeconds * 1000;
}
