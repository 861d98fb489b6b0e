/**
 * Retry backoff of queue handler failures: which policy applies to a loop, how long a failed
 * message waits before its next delivery, and the error kept on the message.
 */
import type { MessageError, RetryOptions, RetryPolicy } from "../queue-controls-types.js";
import type { QueueRecord } from "../types.js";

/** The defaults of a retry policy, `maxAttempts` aside (it defaults to `config.maxReadCt`). */
export const DEFAULT_RETRY: Omit<RetryPolicy, "maxAttempts"> = {
  baseMs: 1_000,
  factor: 2,
  maxMs: 300_000,
  jitter: 0.2,
};

/**
 * The policy in force: the loop's own fields first, then the queue's, then the defaults (`maxAttempts` from
 * `config.maxReadCt`).
 */
export function resolveRetryPolicy(
  queue: Pick<QueueRecord, "retry">,
  maxReadCt: number,
  loop?: RetryOptions,
): RetryPolicy {
  return { maxAttempts: maxReadCt, ...DEFAULT_RETRY, ...(queue.retry ?? {}), ...(loop ?? {}) };
}

/** Deliveries a message of this queue gets before it is dead-lettered. */
export function maxAttemptsOf(queue: Pick<QueueRecord, "retry">, maxReadCt: number): number {
  return queue.retry?.maxAttempts ?? maxReadCt;
}

/**
 * The wait after failed attempt `attempt` (1-based), ms: `min(maxMs, baseMs × factor^(attempt − 1))`, shortened by
 * `random() × jitter` of itself.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** exponent);
  const delay = Number.isFinite(raw) ? raw : policy.maxMs;
  return Math.round(delay * (1 - policy.jitter * random()));
}

const MESSAGE_MAX = 2_000;
const STACK_LINES = 10;
const STACK_MAX = 4_000;

/** The error kept on a message whose delivery `attempt` failed at `failedAt`. */
export function toMessageError(err: unknown, attempt: number, failedAt: Date): MessageError {
  const isError = err instanceof Error;
  const name = isError && typeof err.name === "string" && err.name !== "" ? err.name : "Error";
  const text = isError ? err.message : typeof err === "string" ? err : safeString(err);
  const stack =
    isError && typeof err.stack === "string" ? err.stack.split("\n").slice(0, STACK_LINES).join("\n") : null;
  return {
    name: name.slice(0, 200),
    message: text.slice(0, MESSAGE_MAX),
    stack: stack === null ? null : stack.slice(0, STACK_MAX),
    attempt,
    failedAt: failedAt.toISOString(),
  };
}

function safeString(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}
