import { ValidationError } from "../errors.js";
import { MAX_DURATION_MS } from "../validation/time-arguments.js";

/** How long to wait before retry number `attempt` (0-based: the first retry is attempt 0). */
export type BackoffStrategy =
  | { kind: "fixed"; delayMs: number }
  | { kind: "exponential"; baseMs: number; maxMs: number }
  /** Exponential, then a random jitter of whole seconds, up to ±25% of the delay (rounded down to seconds). */
  | { kind: "exponentialWithJitter"; baseMs: number; maxMs: number };

/** Retry policy of a step: at most `maxAttempts` retries after the first execution. */
export interface StepRetryPolicy {
  /** Retries after the first failure. Default 3 (so at most 4 executions). */
  maxAttempts: number;
  /** Default exponential with ±25% jitter, base 1 s, cap 60 s. */
  backoff: BackoffStrategy;
}

/** Builders of {@link BackoffStrategy} values; delays in milliseconds. */
export const BackoffStrategy = {
  fixed: (delayMs: number): BackoffStrategy => ({ kind: "fixed", delayMs }),
  exponential: (baseMs: number, maxMs: number): BackoffStrategy => ({ kind: "exponential", baseMs, maxMs }),
  exponentialWithJitter: (baseMs: number, maxMs: number): BackoffStrategy => ({
    kind: "exponentialWithJitter",
    baseMs,
    maxMs,
  }),
} as const;

/** pgqrs's default: 3 retries, exponential with ±25% jitter, base 1 s, cap 60 s. */
export function defaultRetryPolicy(): StepRetryPolicy {
  return { maxAttempts: 3, backoff: BackoffStrategy.exponentialWithJitter(1000, 60_000) };
}

/**
 * A retry policy as given on a workflow definition or a step: fields left out take the defaults (3 retries,
 * exponential from 1 s with ±25% jitter, capped at 60 s); `false` means no retries (the first failure is final).
 */
export type RetryOption = Partial<StepRetryPolicy> | false;

/**
 * A full policy from a {@link RetryOption}; VALIDATION_FAILED, naming `argument`, unless it is `false`, `undefined`
 * or an object whose `maxAttempts` is an integer >= 0 and whose `backoff` is a {@link BackoffStrategy} with every
 * delay 0 to 100 years of milliseconds (the range of every delay: see `validation/time-arguments.ts`).
 */
export function resolveRetryPolicy(option?: RetryOption, argument = "retry"): StepRetryPolicy {
  const base = defaultRetryPolicy();
  if (option === false) return { ...base, maxAttempts: 0 };
  if (option !== undefined && (option === null || typeof option !== "object" || Array.isArray(option))) {
    throw badPolicy(argument, `must be false or an object { maxAttempts, backoff }, got ${String(option)}`);
  }
  const policy = {
    maxAttempts: option?.maxAttempts === undefined ? base.maxAttempts : option.maxAttempts,
    backoff: option?.backoff === undefined ? base.backoff : option.backoff,
  };
  if (!(Number.isSafeInteger(policy.maxAttempts) && policy.maxAttempts >= 0)) {
    throw badPolicy(argument, `maxAttempts must be an integer >= 0, got ${String(policy.maxAttempts)}`);
  }
  const kind: unknown = policy.backoff !== null && typeof policy.backoff === "object" ? policy.backoff.kind : undefined;
  const fields = typeof kind === "string" && Object.hasOwn(BACKOFF_FIELDS, kind) ? BACKOFF_FIELDS[kind] : undefined;
  if (fields === undefined) {
    throw badPolicy(argument, "backoff must be one of BackoffStrategy.fixed, .exponential or .exponentialWithJitter");
  }
  const delays = fields.map((f) => (policy.backoff as unknown as Record<string, unknown>)[f]);
  if (delays.some((n) => typeof n !== "number" || !(n >= 0 && n <= MAX_DURATION_MS))) {
    throw badPolicy(argument, `backoff delays (${fields.join(", ")}) must be 0 to ${MAX_DURATION_MS} ms`);
  }
  return policy;
}

/** The delay fields of each backoff kind, milliseconds. */
const BACKOFF_FIELDS: Readonly<Record<string, readonly string[]>> = {
  fixed: ["delayMs"],
  exponential: ["baseMs", "maxMs"],
  exponentialWithJitter: ["baseMs", "maxMs"],
};

function badPolicy(argument: string, reason: string): ValidationError {
  return new ValidationError(`retry policy ${reason}`, { argument });
}

/** True when a step that has been retried `retryCount` times may be retried again. */
export function shouldRetry(policy: StepRetryPolicy, retryCount: number): boolean {
  return retryCount < policy.maxAttempts;
}

/**
 * Delay before retry `attempt` (0-based), in milliseconds. `random` returns [0, 1). With the default policy: 1 s,
 * 2 s, then 4 s ± 1 s.
 */
export function retryDelayMs(strategy: BackoffStrategy, attempt: number, random: () => number = Math.random): number {
  switch (strategy.kind) {
    case "fixed":
      return strategy.delayMs;
    case "exponential":
      return Math.min(strategy.maxMs, strategy.baseMs * 2 ** Math.min(attempt, 52));
    case "exponentialWithJitter": {
      const capped = Math.min(strategy.maxMs, strategy.baseMs * 2 ** Math.min(attempt, 52));
      // pgqrs jitters in whole seconds, by up to ±floor(25% of the delay in seconds): the default's 1 s and 2 s
      // retries get none, its 4 s retry ±1 s (reference §1.10.5).
      const rangeSeconds = Math.floor(capped / 4000);
      const jitterSeconds = Math.floor(random() * (2 * rangeSeconds + 1)) - rangeSeconds;
      return Math.max(0, capped + jitterSeconds * 1000);
    }
  }
}
