/**
 * Checks of ids, counts, page sizes and enumerated options at the public API, shared by the library, the CLI and
 * the dashboard, so every backend sees only values it stores exactly and all answer bad input the same way:
 * VALIDATION_FAILED naming the argument, before anything is read or written.
 *
 * - **Ids** are safe positive integers (1 to 2^53 − 1): above that a JavaScript number cannot name a bigint id
 *   exactly (2^53 + 1 would look up 2^53).
 * - **Page sizes** (`limit`) are integers from 0 to {@link MAX_PAGE_LIMIT}; offsets are safe integers >= 0.
 * - **Batch sizes** of a claim are integers from 0 to {@link MAX_DEQUEUE_BATCH}, the bound of `enqueueBatch`.
 */
import { ValidationError } from "../errors.js";
import { MAX_BATCH_MESSAGES } from "../queue/payload-validation.js";

/** Most rows one page of a list may ask for. */
export const MAX_PAGE_LIMIT = 100_000;
/** Most messages one claim may take (the same bound as one `enqueueBatch`): 10,000. */
export const MAX_DEQUEUE_BATCH = MAX_BATCH_MESSAGES;

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return "an array";
  return String(value);
}

/** VALIDATION_FAILED naming `argument` unless `value` is a safe integer >= 1 (a row id); returns it. */
export function assertId(argument: string, value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 1) return value;
  throw new ValidationError(
    `${argument} must be an id: an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${describe(value)}`,
    {
      argument,
    },
  );
}

/** {@link assertId} for an optional argument: `undefined` passes. */
export function assertOptionalId(argument: string, value: unknown): number | undefined {
  return value === undefined ? undefined : assertId(argument, value);
}

/** VALIDATION_FAILED unless `values` is an array of ids; the message names the first bad index. */
export function assertIds(argument: string, values: unknown): readonly number[] {
  if (!Array.isArray(values)) {
    throw new ValidationError(`${argument} must be an array of ids, got ${describe(values)}`, { argument });
  }
  for (let i = 0; i < values.length; i++) assertId(`${argument}[${i}]`, values[i]);
  return values as readonly number[];
}

/**
 * VALIDATION_FAILED naming `argument` unless `value` is an integer from `min` (default 0) to `max`; returns it.
 */
export function assertCount(argument: string, value: unknown, range: { min?: number; max: number }): number {
  const min = range.min ?? 0;
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= range.max) return value;
  throw new ValidationError(`${argument} must be an integer from ${min} to ${range.max}, got ${describe(value)}`, {
    argument,
    min,
    max: range.max,
  });
}

/** VALIDATION_FAILED unless `page.limit` (0 to {@link MAX_PAGE_LIMIT}) and `page.offset` (>= 0) are valid. */
export function assertPage(page: { limit?: unknown; offset?: unknown } | undefined): void {
  if (page === undefined || page === null) return;
  if (page.limit !== undefined) assertCount("limit", page.limit, { max: MAX_PAGE_LIMIT });
  if (page.offset !== undefined) assertCount("offset", page.offset, { max: Number.MAX_SAFE_INTEGER });
}

/**
 * VALIDATION_FAILED naming `argument` unless `value` is one of `allowed` (own keys of a table, or a list): a
 * lookup with `in` or `table[value]` would accept inherited names such as `"toString"`.
 */
export function assertOneOf<K extends string>(
  argument: string,
  value: unknown,
  allowed: readonly K[] | Readonly<Record<K, unknown>>,
): K {
  const names: readonly string[] = Array.isArray(allowed) ? allowed : Object.keys(allowed);
  const ok = Array.isArray(allowed)
    ? typeof value === "string" && names.includes(value)
    : typeof value === "string" && Object.hasOwn(allowed, value);
  if (ok) return value as K;
  throw new ValidationError(
    `${argument} must be one of ${names.map((n) => `"${n}"`).join(", ")}, got ${describe(value)}`,
    {
      argument,
    },
  );
}

/** {@link assertOneOf} for an optional argument: `undefined` passes. */
export function assertOptionalOneOf<K extends string>(
  argument: string,
  value: unknown,
  allowed: readonly K[] | Readonly<Record<K, unknown>>,
): K | undefined {
  return value === undefined ? undefined : assertOneOf(argument, value, allowed);
}
