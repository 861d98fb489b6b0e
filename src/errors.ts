import type { ValidationFailedDetails } from "./error-details-entities.js";
import type { PgqrsErrorDetailsMap, PgqrsErrorDetailsOf } from "./error-details.js";

export type { PgqrsErrorDetailsMap } from "./error-details.js";

/**
 * Every failure pgqrs raises on purpose is a {@link PgqrsError} with a stable string `code`.
 * Callers branch on `code` (or `instanceof` a subclass), never on message text.
 */
export type PgqrsErrorCode =
  | "QUEUE_NOT_FOUND"
  | "QUEUE_ALREADY_EXISTS"
  | "WORKFLOW_NOT_FOUND"
  | "WORKFLOW_ALREADY_EXISTS"
  | "RUN_NOT_FOUND"
  | "SCHEDULE_NOT_FOUND"
  | "SCHEDULE_ALREADY_EXISTS"
  | "MESSAGE_NOT_FOUND"
  | "WORKER_NOT_FOUND"
  | "WORKER_HAS_PENDING_MESSAGES"
  | "INVALID_STATE_TRANSITION"
  | "VALIDATION_FAILED"
  | "PAYLOAD_TOO_LARGE"
  | "RATE_LIMITED"
  | "INVALID_CONFIG"
  | "MISSING_CONFIG"
  | "SCHEMA_VALIDATION"
  | "SCHEMA_NOT_INSTALLED"
  | "CONNECTION_FAILED"
  /**
   * A write sent to a read-only server (a hot standby, or `default_transaction_read_only`): use the primary. Also
   * the code of every action a read-only dashboard (`readOnly`, `--read-only`) refuses.
   */
  | "READ_ONLY"
  | "DRIVER_NOT_INSTALLED"
  | "QUERY_FAILED"
  | "STORE_CLOSED"
  | "BUSY"
  | "TIMEOUT"
  | "SUSPENDED"
  | "STEP_NOT_READY"
  | "RETRIES_EXHAUSTED"
  | "TRANSIENT"
  | "PAUSED"
  | "CANCELLED"
  | "EXECUTION_FAILED"
  | "CONFLICT"
  | "CHILD_FAILED"
  | "NON_RETRYABLE"
  | "INTERNAL";

/**
 * Extra, code-specific facts kept on the error object for programmatic use, as an open record: the `details` of a
 * {@link PgqrsError} whose code is not narrowed. `PgqrsErrorDetailsMap[code]` is the shape for one code.
 */
export type PgqrsErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The options of `new PgqrsError(code, message, options)`. `details` is typed by the code
 * ({@link PgqrsErrorDetailsMap}): a field the map does not declare for that code fails to compile, and `details`
 * must be given when the code has required fields.
 */
export type PgqrsErrorOptions<C extends PgqrsErrorCode = PgqrsErrorCode> = {
  /** The underlying error (a driver error, the error a wrapper caught); becomes `Error.cause`. */
  cause?: unknown;
} & (Record<string, never> extends PgqrsErrorDetailsOf<C>
  ? {
      /** Facts about the failure; `{}` when omitted. */
      details?: PgqrsErrorDetailsOf<C>;
    }
  : {
      /** Facts about the failure. */
      details: PgqrsErrorDetailsOf<C>;
    });

/** The constructor's optional `options` argument: required when the code's details have required fields. */
type OptionsArgument<C extends PgqrsErrorCode> =
  Record<string, never> extends PgqrsErrorDetailsOf<C>
    ? [options?: PgqrsErrorOptions<C>]
    : [options: PgqrsErrorOptions<C>];

/**
 * The one error type of pgqrs. `code` is stable; `message` names the offending value and the fix; `details` holds
 * the code's facts, typed by `C` ({@link PgqrsErrorDetailsMap}). `PgqrsError` alone (any code) has open
 * `details`; `isPgqrsError(err, code)` narrows to `PgqrsError<code>`.
 *
 * @typeParam C - The code (or codes) of the error; all of {@link PgqrsErrorCode} by default.
 * @typeParam D - The type of `details`, derived from `C`: leave it out.
 */
export class PgqrsError<
  C extends PgqrsErrorCode = PgqrsErrorCode,
  D extends PgqrsErrorDetails = PgqrsErrorDetailsOf<C>,
> extends Error {
  /**
   * `err instanceof PgqrsError` (or a subclass): the built-in check, unchanged; declared so that the narrowed type is
   * `PgqrsError` with open `details` (or the subclass), not `PgqrsError<any>`.
   */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never) => T, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class right of instanceof (a subclass too).
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /** The stable code callers branch on. */
  readonly code: C;
  /** Facts about the failure, by code ({@link PgqrsErrorDetailsMap}); `{}` when the site gave none. */
  readonly details: D;

  /**
   * `code` is the stable code, `message` the human-readable text (name the offending value and the fix);
   * `options.details` the code's facts (`{}` when omitted), `options.cause` the underlying error.
   */
  constructor(code: C, message: string, ...[options]: OptionsArgument<C>) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PgqrsError";
    this.code = code;
    this.details = (options?.details ?? {}) as D;
  }
}

/** Raised when a worker, run or step is asked to move between states its state machine forbids. */
export class InvalidStateTransitionError extends PgqrsError<"INVALID_STATE_TRANSITION"> {
  /** The current state, as stored (lowercase for a worker, e.g. `"ready"`; uppercase for a run or step). */
  readonly from: string;
  /** The state (or action, e.g. `"message"`) that was asked for, in the same form as `from`. */
  readonly to: string;
  /** Why the transition is refused (e.g. `"Worker must be in Suspended state to shutdown"`). */
  readonly reason: string;

  /**
   * Builds the error with message `Invalid state transition from <from> to <to>: <reason>` and the three fields as
   * `details`.
   */
  constructor(from: string, to: string, reason: string) {
    super("INVALID_STATE_TRANSITION", `Invalid state transition from ${from} to ${to}: ${reason}`, {
      details: { from, to, reason },
    });
    this.name = "InvalidStateTransitionError";
    this.from = from;
    this.to = to;
    this.reason = reason;
  }
}

/** Raised by payload and argument validation; nothing was written. */
export class ValidationError extends PgqrsError<"VALIDATION_FAILED"> {
  /** `details` are the check's facts besides `reason` (see `PgqrsErrorDetailsMap["VALIDATION_FAILED"]`). */
  constructor(reason: string, details: Omit<ValidationFailedDetails, "reason"> = {}) {
    super("VALIDATION_FAILED", `Validation failed: ${reason}`, { details: { reason, ...details } });
    this.name = "ValidationError";
  }
}

/**
 * A step failure that should be retried later (network blips, timeouts, 429s). `message` reads
 * "Transient error (CODE): text", as pgqrs displays it; the step's stored error keeps the text alone
 * (`transientMessage`).
 */
export class TransientStepError extends PgqrsError<"TRANSIENT"> {
  /** The caller's short code for the failure (e.g. `"TIMEOUT"`, `"HTTP_429"`); stored as the step error's `code`. */
  readonly transientCode: string;
  /** The message as given, without the code: what the step's error JSON stores. */
  readonly transientMessage: string;
  /** Overrides the policy's backoff when set, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  /**
   * `transientCode` and `message` as stored on the step; `options.retryAfterMs` (milliseconds, default: the policy's
   * backoff) and `options.cause` (the underlying error).
   */
  constructor(transientCode: string, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super("TRANSIENT", `Transient error (${transientCode}): ${message}`, {
      cause: options.cause,
      details: { transientCode, transientMessage: message, retryAfterMs: options.retryAfterMs ?? null },
    });
    this.name = "TransientStepError";
    this.transientCode = transientCode;
    this.transientMessage = message;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A step failure that must not be retried: thrown from a step (`run.step` / `workflowStep`), it fails the step for
 * good whatever its retry policy, and the run with it. Any other error a step throws is retried under the step's
 * policy (default 3 retries). The step's stored error is `{ is_transient: false, code: "NON_RETRYABLE", message }`,
 * pgqrs's form of a permanent failure.
 */
export class NonRetryableError extends PgqrsError<"NON_RETRYABLE"> {
  /** `message` is stored as the step error's `message`; `options.cause` is the underlying error, if any. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("NON_RETRYABLE", message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "NonRetryableError";
  }
}

/**
 * True when `err` is a {@link PgqrsError} with the given code (any code when omitted). With a code, `err` narrows
 * to `PgqrsError<code>`, so `err.details` has that code's fields (`isPgqrsError(err, "RATE_LIMITED")` →
 * `err.details.retryAfterMs: number | null`).
 */
export function isPgqrsError<C extends PgqrsErrorCode>(err: unknown, code: C): err is PgqrsError<C>;
/** True when `err` is a {@link PgqrsError} of any code; `err` narrows to `PgqrsError` with open `details`. */
export function isPgqrsError(err: unknown): err is PgqrsError;
/** Implementation of the two overloads above. */
export function isPgqrsError(err: unknown, code?: PgqrsErrorCode): err is PgqrsError {
  return err instanceof PgqrsError && (code === undefined || err.code === code);
}

/** A readable one-line description of any thrown value, including non-Error throws. */
export function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  try {
    const json = JSON.stringify(err);
    return json === undefined ? String(err) : json;
  } catch {
    return String(err);
  }
}

/**
 * STORE_CLOSED, the one error every backend raises for a call after `store.close()`: the store was closed and
 * cannot be used again; open a new one with `pgqrs.connect()`. `operation` (the store operation refused, when the
 * site knows it) goes into the message and `details.operation`.
 */
export function storeClosed(operation?: string): PgqrsError<"STORE_CLOSED"> {
  const refused = operation === undefined ? "" : ` (${operation} was refused)`;
  return new PgqrsError(
    "STORE_CLOSED",
    `The store was closed${refused}; open a new one with pgqrs.connect() to use the database again`,
    operation === undefined ? undefined : { details: { operation } },
  );
}
