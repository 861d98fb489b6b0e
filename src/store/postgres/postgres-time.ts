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
