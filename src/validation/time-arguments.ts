/**
 * The one range every time argument of the public API is checked against, before anything is written, so a date
 * or delay either fits every backend's timestamp columns or is refused with VALIDATION_FAILED naming the argument:
 *
 * - **Dates** (`at`, `enqueueAt`, `visibleAt`, `currentTime`, ...): valid `Date`s from 1970-01-01T00:00:00.000Z to
 *   9999-12-31T23:59:59.999Z inclusive ({@link MIN_TIME_MS}, {@link MAX_TIME_MS}).
 * - **Durations** (delays, leases, ages, retry and resume delays, timeouts): finite numbers from 0 to 100 years of
 *   365.25 days ({@link MAX_DURATION_MS}); a time computed from one (now + delay) must also fall in the date range.
 * - **Poll intervals**: 0 to {@link MAX_INTERVAL_MS} (about 24.8 days), the longest a Node.js timer can wait.
 *
 * Reading clamps instead ({@link clampTime}): a stored timestamp outside the range (written by another program:
 * BC dates, years past 9999, `infinity`) reads back as the nearest edge, never as an Invalid Date.
 */
import { ValidationError } from "../errors.js";

/** Earliest instant a Date argument may name, in epoch milliseconds: 1970-01-01T00:00:00.000Z. */
export const MIN_TIME_MS = 0;
/** Latest instant a Date argument may name, in epoch milliseconds: 9999-12-31T23:59:59.999Z. */
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Longest delay, lease, age or timeout: 100 years of 365.25 days, in milliseconds (3,155,760,000,000). */
export const MAX_DURATION_MS = 100 * 365.25 * 86_400_000;
/** {@link MAX_DURATION_MS} in seconds (3,155,760,000). */
export const MAX_DURATION_SECONDS = MAX_DURATION_MS / 1000;
/** Longest poll interval, in milliseconds: 2^31 − 1, the longest a Node.js timer waits (about 24.8 days). */
export const MAX_INTERVAL_MS = 2_147_483_647;

const RANGE_TEXT = `between ${new Date(MIN_TIME_MS).toISOString()} and ${new Date(MAX_TIME_MS).toISOString()}`;

function describe(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

function refuse(argument: string, expected: string, value: unknown): never {
  throw new ValidationError(`${argument} must be ${expected}, got ${describe(value)}`, { argument });
}

/** VALIDATION_FAILED naming `argument` unless `value` is a valid Date in the supported range; returns it. */
export function assertDate(argument: string, value: unknown): Date {
  if (!(value instanceof Date)) return refuse(argument, `a Date ${RANGE_TEXT}`, value);
  const ms = value.getTime();
  if (!(ms >= MIN_TIME_MS && ms <= MAX_TIME_MS)) return refuse(argument, `a valid Date ${RANGE_TEXT}`, value);
  return value;
}

/** {@link assertDate} for an optional argument: `undefined` passes. */
export function assertOptionalDate(argument: string, value: unknown): Date | undefined {
  return value === undefined ? undefined : assertDate(argument, value);
}

function assertDuration(argument: string, value: unknown, max: number, unit: string, integer: boolean): number {
  const kind = integer ? "an integer" : "a number";
  if (typeof value !== "number" || !(value >= 0 && value <= max) || (integer && !Number.isInteger(value))) {
    return refuse(argument, `${kind} of ${unit} from 0 to ${max}`, value);
  }
  return value;
}

/**
 * VALIDATION_FAILED naming `argument` unless `value` is a number of seconds from 0 to 100 years
 * ({@link MAX_DURATION_SECONDS}); with `integer`, also a whole number.
 */
export function assertSeconds(argument: string, value: unknown, options: { integer?: boolean } = {}): number {
  return assertDuration(argument, value, MAX_DURATION_SECONDS, "seconds", options.integer === true);
}

/** VALIDATION_FAILED naming `argument` unless `value` is a number of milliseconds from 0 to 100 years. */
export function assertMilliseconds(argument: string, value: unknown): number {
  return assertDuration(argument, value, MAX_DURATION_MS, "milliseconds", false);
}

/** VALIDATION_FAILED naming `argument` unless `value` is a poll interval: 0 to {@link MAX_INTERVAL_MS} milliseconds. */
export function assertIntervalMs(argument: string, value: unknown): number {
  return assertDuration(argument, value, MAX_INTERVAL_MS, "milliseconds", false);
}

/** {@link assertMilliseconds} for a timeout that may also be `Infinity` (wait without limit). */
export function assertTimeoutMs(argument: string, value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  return assertMilliseconds(argument, value);
}

/**
 * The time `base + offsetMs` as a Date; VALIDATION_FAILED naming `argument` (the delay that produced it) when it
 * falls outside the supported range, e.g. a 100-year delay from a date in 9950.
 */
export function timeAfter(argument: string, base: Date, offsetMs: number): Date {
  const ms = base.getTime() + offsetMs;
  if (!(ms >= MIN_TIME_MS && ms <= MAX_TIME_MS)) {
    throw new ValidationError(
      `${argument} puts the time at ${describe(new Date(ms))}, outside the supported range ${RANGE_TEXT}`,
      { argument },
    );
  }
  return new Date(ms);
}

/**
 * The cutoff `now − ageMs` for "older than" comparisons, clamped to the supported range (an age reaching back
 * before 1970 means "everything"). `ageMs` must have been checked with {@link assertMilliseconds}.
 */
export function cutoffBefore(now: Date, ageMs: number): Date {
  return clampTime(now.getTime() - ageMs);
}

/**
 * A Date for epoch milliseconds read from storage, clamped to the supported range: below it (or −Infinity) reads as
 * 1970-01-01T00:00:00.000Z, above it (or +Infinity) as 9999-12-31T23:59:59.999Z; NaN (unreadable) reads as the
 * earliest time, so an unreadable visibility time makes a message visible rather than hidden forever.
 */
export function clampTime(ms: number): Date {
  if (!(ms >= MIN_TIME_MS)) return new Date(MIN_TIME_MS);
  if (ms > MAX_TIME_MS) return new Date(MAX_TIME_MS);
  return new Date(ms);
}
