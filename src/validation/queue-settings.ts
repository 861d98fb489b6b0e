/**
 * Checks of queue settings (`createQueue`, `updateQueue`, `dequeue().retry()`) and of the per-message enqueue
 * options (priority, keys), shared by the library, the CLI and the dashboard: VALIDATION_FAILED naming the field,
 * before anything is read or written.
 */
import { ValidationError } from "../errors.js";
import type { QueueSettingsOptions, RateLimit, RetryOptions } from "../queue-controls-types.js";
import { assertRetentionSetting } from "../retention/retention-setting.js";

/** Highest concurrency limit and rate limit `max`. */
export const MAX_QUEUE_LIMIT = 10_000;
/** Lowest and highest message priority. */
export const PRIORITY_RANGE = { min: -1_000_000, max: 1_000_000 } as const;
/** Longest dedup or group key, characters. */
export const MAX_KEY_LENGTH = 255;

const DAY_MS = 86_400_000;

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return String(value);
}

function fail(field: string, rule: string, value: unknown): never {
  throw new ValidationError(`${field} must be ${rule}, got ${describe(value)}`, { argument: field });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function assertKnownFields(field: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`${field}.${key}`, `one of ${known.join(", ")} (unknown field)`, value[key]);
  }
}

function number(field: string, value: unknown, min: number, max: number, integer = false): number {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= min && value <= max;
  if (!ok || (integer && !Number.isInteger(value))) {
    fail(field, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, value);
  }
  return value;
}

const RETRY_FIELDS = ["maxAttempts", "baseMs", "factor", "maxMs", "jitter"] as const;

/** A retry policy as given, checked field by field (`field` prefixes the names: `retry`). */
export function assertRetryOptions(field: string, value: unknown): RetryOptions {
  if (!isPlainObject(value)) fail(field, "an object ({ maxAttempts, baseMs, factor, maxMs, jitter })", value);
  assertKnownFields(field, value, RETRY_FIELDS);
  const out: RetryOptions = {};
  if (value.maxAttempts !== undefined)
    out.maxAttempts = number(`${field}.maxAttempts`, value.maxAttempts, 1, 1000, true);
  if (value.baseMs !== undefined) out.baseMs = number(`${field}.baseMs`, value.baseMs, 0, DAY_MS, true);
  if (value.factor !== undefined) out.factor = number(`${field}.factor`, value.factor, 1, 100);
  if (value.maxMs !== undefined) out.maxMs = number(`${field}.maxMs`, value.maxMs, 0, 7 * DAY_MS, true);
  if (value.jitter !== undefined) out.jitter = number(`${field}.jitter`, value.jitter, 0, 1);
  if (out.baseMs !== undefined && out.maxMs !== undefined && out.maxMs < out.baseMs) {
    fail(`${field}.maxMs`, `at least ${field}.baseMs (${out.baseMs})`, out.maxMs);
  }
  return out;
}

/** A rate limit, checked: `max` an integer 1 to 10,000, `perSeconds` more than 0 and at most a day. */
export function assertRateLimit(field: string, value: unknown): RateLimit {
  if (!isPlainObject(value)) fail(field, "an object ({ max, perSeconds })", value);
  assertKnownFields(field, value, ["max", "perSeconds"]);
  const max = number(`${field}.max`, value.max, 1, MAX_QUEUE_LIMIT, true);
  const perSeconds = number(`${field}.perSeconds`, value.perSeconds, 0, 86_400);
  if (perSeconds <= 0) fail(`${field}.perSeconds`, "more than 0 seconds", perSeconds);
  if (perSeconds * 1000 < 1) fail(`${field}.perSeconds`, "at least 0.001 (1 ms)", perSeconds);
  return { max, perSeconds };
}

/**
 * Queue settings as given to `createQueue` / `updateQueue`: a field left out stays out (keeps its value), `null`
 * clears it. `retention` is checked but left out of the result (the caller stores it apart). `extra` names further allowed top-level fields (`ifNotExists`).
 */
export function assertQueueSettings(value: unknown, extra: readonly string[] = []): QueueSettingsOptions {
  if (value === undefined) return {};
  if (!isPlainObject(value)) fail("options", "an object", value);
  assertKnownFields("options", value, ["retry", "concurrencyLimit", "rateLimit", "retention", ...extra]);
  // Checked here with the rest; stored apart (pgqrs_retention) by the caller, so it stays out of `out`.
  if (value.retention !== undefined) assertRetentionSetting(value.retention, true);
  const out: QueueSettingsOptions = {};
  if (value.retry !== undefined) out.retry = value.retry === null ? null : assertRetryOptions("retry", value.retry);
  if (value.concurrencyLimit !== undefined) {
    out.concurrencyLimit =
      value.concurrencyLimit === null
        ? null
        : number("concurrencyLimit", value.concurrencyLimit, 1, MAX_QUEUE_LIMIT, true);
  }
  if (value.rateLimit !== undefined) {
    out.rateLimit = value.rateLimit === null ? null : assertRateLimit("rateLimit", value.rateLimit);
  }
  return out;
}

/** A message priority: an integer from −1,000,000 to 1,000,000. */
export function assertPriority(value: unknown): number {
  return number("priority", value, PRIORITY_RANGE.min, PRIORITY_RANGE.max, true);
}

/** A dedup or group key: a non-empty string of at most 255 characters without NUL. */
export function assertMessageKey(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_KEY_LENGTH || value.includes("\u0000")) {
    fail(field, `a non-empty string of at most ${MAX_KEY_LENGTH} characters without NUL`, value);
  }
  return value;
}
