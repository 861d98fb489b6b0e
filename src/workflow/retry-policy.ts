import { PgqrsError } from "../errors.js";
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
 * A full policy from a partial one; VALIDATION_FAILED unless `maxAttempts` is an integer >= 0 and every delay of
 * the backoff is 0 to 100 years of milliseconds (the range of every delay: see `validation/time-arguments.ts`).
 */
export function resolveRetryPolicy(partial?: Partial<StepRetryPolicy>): StepRetryPolicy {
  const base = defaultRetryPolicy();
  const policy = { maxAttempts: partial?.maxAttempts ?? base.maxAttempts, backoff: partial?.backoff ?? base.backoff };
  const delays = Object.values(policy.backoff).filter((v) => typeof v !== "string");
  const badDelay = delays.some((n) => typeof n !== "number" || !(n >= 0 && n <= MAX_DURATION_MS));
  if (!(Number.isSafeInteger(policy.maxAttempts) && policy.maxAttempts >= 0) || badDelay) {
    throw new PgqrsError(
      "VALIDATION_FAILED",
      `Validation failed: retry policy maxAttempts must be an integer >= 0 and its delays 0 to ${MAX_DURATION_MS} ms`,
      { details: { argument: "retry" } },
    );
  }
  return policy;
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
