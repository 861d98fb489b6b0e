import { PgqrsError, type PgqrsErrorDetailsMap } from "../errors.js";

/**
 * A value check of the configuration field table: `expected` says what a valid value is ("an integer number of
 * bytes from 1 to …"), `test` accepts a value already of the right JavaScript type or returns false.
 */
export interface Check<V> {
  expected: string;
  test(value: unknown): value is V;
}

/** How a field's `PGQRS_*` variable is read before its {@link Check} runs. */
export type EnvKind = "string" | "number" | "boolean" | "json";

/** The longest delay `setTimeout`/`setInterval` honour (2^31 − 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;
/** {@link MAX_TIMER_MS} in whole seconds (about 24.8 days). */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** An integer from `min` to `max` (inclusive), in `unit`. */
export function int(unit: string, min: number, max: number): Check<number> {
  return {
    expected: `an integer number of ${unit} from ${min} to ${max}`,
    test: (v): v is number => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max,
  };
}

/** A finite number (fractions allowed) above `min` (or from `min` when `inclusive`) up to `max`, in `unit`. */
export function num(unit: string, min: number, max: number, inclusive = true): Check<number> {
  return {
    expected: `a number of ${unit} ${inclusive ? "from" : "above"} ${min}${inclusive ? " to" : ", at most"} ${max}`,
    test: (v): v is number =>
      typeof v === "number" && Number.isFinite(v) && (inclusive ? v >= min : v > min) && v <= max,
  };
}

/** `check`, or null (the setting is off). */
export function nullable<V>(check: Check<V>): Check<V | null> {
  return { expected: `${check.expected}, or null (off)`, test: (v): v is V | null => v === null || check.test(v) };
}

/** A boolean: `true` or `false` (a string such as "no" is refused, not read as truthy). */
export const bool: Check<boolean> = {
  expected: "true or false",
  test: (v): v is boolean => typeof v === "boolean",
};

/** A non-empty string. */
export const text: Check<string> = {
  expected: "a non-empty string",
  test: (v): v is string => typeof v === "string" && v.length > 0,
};

/** A list of strings (a single string is refused: it would be read as its characters). */
export const stringList: Check<string[]> = {
  expected: "a list of strings",
  test: (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string"),
};

/** INVALID_CONFIG naming the field as the source spells it. */
export function configError(
  field: string,
  message: string,
  extra: { cause?: unknown } & Omit<PgqrsErrorDetailsMap["INVALID_CONFIG"], "field"> = {},
): PgqrsError {
  const { cause, ...details } = extra;
  return new PgqrsError("INVALID_CONFIG", `Invalid configuration value for ${field}: ${message}`, {
    cause,
    details: { field, ...details },
  });
}

/** A value for a message: strings quoted, with their type when it is the wrong one. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `'${value}' (a string)`;
  if (Array.isArray(value)) return `${safeJson(value)} (a list)`;
  if (value !== null && typeof value === "object") return `${safeJson(value)} (a mapping)`;
  return String(value);
}

function safeJson(value: unknown): string {
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 79)}…` : s;
  } catch {
    return String(value);
  }
}

/** The value of a `PGQRS_*` variable as `kind`, or a message saying why it is not one. */
export function parseEnv(kind: EnvKind, raw: string): { value: unknown } | { problem: string } {
  const trimmed = raw.trim();
  switch (kind) {
    case "string":
      return { value: raw };
    case "number":
      // Strict decimal: Number() would read "0x10" as 16 and " " as 0.
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)
        ? { value: Number(trimmed) }
        : { problem: `'${raw}' is not a number` };
    case "boolean":
      if (/^true$/i.test(trimmed)) return { value: true };
      if (/^false$/i.test(trimmed)) return { value: false };
      return { problem: `must be true or false, got '${raw}'` };
    case "json":
      try {
        return { value: JSON.parse(raw) as unknown };
      } catch (cause) {
        return { problem: `not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}` };
      }
  }
}

/** `maxReadCt` → `max_read_ct`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `max_read_ct` → `maxReadCt`. */
export function camelize(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
