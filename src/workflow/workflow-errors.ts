import { describeThrown, NonRetryableError, PgqrsError, TransientStepError, ValidationError } from "../errors.js";
import { MAX_DURATION_MS } from "../validation/time-arguments.js";

/** The JSON stored in a failed step's `error` column (pgqrs's shape, snake_case keys). */
export interface StepErrorJson {
  /** True for a {@link TransientStepError} (and a pause); false for any other failure. */
  is_transient: boolean;
  /**
   * A {@link TransientStepError}'s `transientCode`, `PAUSED` for a pause, a {@link PgqrsError}'s code, or
   * `NON_RETRYABLE` for any other throw.
   */
  code: string;
  /** The failure's message text. */
  message: string;
  /** Seconds, when the failure asked for a specific delay. */
  retry_after?: number | null;
  /** Seconds, for pauses. */
  resume_after?: number;
}

/**
 * An error that pauses a run: thrown from a workflow (or a step), the run becomes PAUSED and its message comes
 * back at `now + resumeAfterMs`. Pauses do not use up the retry budget.
 */
export function pauseError(message: string, resumeAfterMs: number): PgqrsError {
  assertDelayMs("resume_after", "resumeAfterMs", resumeAfterMs);
  return new PgqrsError("PAUSED", `Workflow paused: ${message}`, { details: { message, resumeAfterMs } });
}

/**
 * VALIDATION_FAILED unless `value` is a delay pgqrs can store: a number of milliseconds from 0 to 100 years
 * (`MAX_DURATION_MS`, the range of every delay: see `validation/time-arguments.ts`). Checked before anything is
 * written, so a bad delay leaves the step or run as it was (NaN would otherwise reach the database as an invalid
 * timestamp). `field` is pgqrs's name for it ("Invalid retry_after", as Python says).
 */
export function assertDelayMs(field: "retry_after" | "resume_after", option: string, value: unknown): void {
  if (typeof value === "number" && value >= 0 && value <= MAX_DURATION_MS) return;
  throw new ValidationError(
    `Invalid ${field}: ${option} must be a number of milliseconds from 0 to ${MAX_DURATION_MS}, got ${String(value)}`,
    { field: option, argument: option, value },
  );
}

/** CANCELLED for a run. */
export function cancelledError(runId: number): PgqrsError {
  return new PgqrsError("CANCELLED", `Workflow cancelled for run ${runId}`, { details: { runId } });
}

/**
 * RETRIES_EXHAUSTED for a step that failed for good: "Step failed after N attempts: <stored error JSON>", as
 * pgqrs words it. A step that failed without a recorded error reads as pgqrs's
 * `{"is_transient":false,"message":"Unknown error"}`.
 */
export function retriesExhaustedError(
  runId: number,
  stepName: string,
  error: unknown,
  attempts: number,
  cause?: unknown,
): PgqrsError {
  const stored = error ?? { is_transient: false, message: "Unknown error" };
  return new PgqrsError("RETRIES_EXHAUSTED", `Step failed after ${attempts} attempts: ${errorJsonText(stored)}`, {
    cause,
    details: { stepName, runId, error, attempts },
  });
}

/**
 * An error JSON as text with its well-known keys first, in the order pgqrs writes them, so the text is the same
 * whichever backend stored it (PostgreSQL's jsonb reorders keys).
 */
function errorJsonText(error: unknown): string {
  if (error === null || typeof error !== "object" || Array.isArray(error)) return toJsonText(error);
  const known = ["is_transient", "code", "message", "retry_after", "resume_after"];
  const entries = Object.entries(error);
  const ordered = [
    ...known.flatMap((key) => entries.filter(([k]) => k === key)),
    ...entries.filter(([k]) => !known.includes(k)),
  ];
  return toJsonText(Object.fromEntries(ordered));
}

/** The stored error JSON of any thrown value. */
export function stepErrorJson(err: unknown): StepErrorJson {
  if (err instanceof TransientStepError) {
    return {
      is_transient: true,
      code: err.transientCode,
      message: err.transientMessage,
      retry_after: err.retryAfterMs === undefined ? null : err.retryAfterMs / 1000,
    };
  }
  if (err instanceof PgqrsError && err.code === "PAUSED") {
    const seconds = Number(err.details.resumeAfterMs ?? 0) / 1000;
    return {
      is_transient: true,
      code: "PAUSED",
      message: String(err.details.message ?? err.message),
      resume_after: seconds,
      retry_after: seconds,
    };
  }
  if (err instanceof PgqrsError) return { is_transient: false, code: err.code, message: err.message };
  return { is_transient: false, code: "NON_RETRYABLE", message: describeThrown(err) };
}

/**
 * Engine signals and final outcomes that a step's retry policy does not apply to when a step throws them: a
 * `NonRetryableError`; CANCELLED (the run is being cancelled), CONFLICT (another delivery holds the step) and
 * STORE_CLOSED keep their handling by the worker; RETRIES_EXHAUSTED and CHILD_FAILED are a nested step's or a child
 * run's final outcome, which another attempt would only meet again. TRANSIENT and PAUSED have their own handling.
 */
const NOT_RETRIED: ReadonlySet<string> = new Set([
  "NON_RETRYABLE",
  "CANCELLED",
  "CONFLICT",
  "STORE_CLOSED",
  "RETRIES_EXHAUSTED",
  "CHILD_FAILED",
]);

/**
 * True when an error thrown by a step is retried under the step's retry policy: any error (retries by default,
 * unlike pgqrs, which retries only transient errors) except those in {@link NOT_RETRIED}. A pause is not a failure.
 */
export function isRetriedStepError(err: unknown): boolean {
  if (err instanceof NonRetryableError) return false;
  if (err instanceof PgqrsError) return err.code !== "PAUSED" && !NOT_RETRIED.has(err.code);
  return true;
}

/**
 * The stored error JSON of a value a step threw: pgqrs's form ({@link stepErrorJson}) for transient errors, pauses
 * and errors that are not retried; `{ is_transient: true, code, message }` for any other error, which is retried,
 * with `code` its PgqrsError code, else its class name (`TypeError`), else `ERROR`.
 */
export function thrownStepErrorJson(err: unknown): StepErrorJson {
  if (err instanceof TransientStepError || !isRetriedStepError(err)) return stepErrorJson(err);
  const code =
    err instanceof PgqrsError
      ? err.code
      : err instanceof Error && typeof err.name === "string" && err.name.length > 0
        ? err.name
        : "ERROR";
  return { is_transient: true, code, message: describeThrown(err) };
}

/** Serialise any value for an `error`/`output` column; never throws (falls back to a readable string). */
export function toJsonText(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // fall through: cycles, BigInt
  }
  return JSON.stringify(describeThrown(value));
}
