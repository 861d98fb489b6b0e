/**
 * pgqrs's Turso lock-retry rule: a read or a schema change that fails because another connection holds the
 * database lock (`database is locked`, `SQLITE_BUSY`, `snapshot is stale`) is tried again, up to 10 more times,
 * after 50 ms, doubling, at most 5 s, ±10 ms of jitter. Writes (INSERT/UPDATE/DELETE, with RETURNING or not) are
 * never retried: pgqrs 0.14 stopped retrying them because a retried write can apply twice ("phantom duplicates").
 * The waits are real time, not the store's clock: they wait for another connection to let go of a lock.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** How often and how long to wait for a lock before giving up. */
export interface LockRetryPolicy {
  /** Attempts after the first. Default 10. */
  readonly retries: number;
  /** Wait before the first retry, in milliseconds; doubles with each retry. Default 50. */
  readonly initialDelayMs: number;
  /** Longest wait between attempts, in milliseconds. Default 5,000. */
  readonly maxDelayMs: number;
  /** Each wait is moved by up to this many milliseconds either way. Default 10. */
  readonly jitterMs: number;
}

/** pgqrs's values. */
export const PGQRS_LOCK_RETRY: LockRetryPolicy = Object.freeze({
  retries: 10,
  initialDelayMs: 50,
  maxDelayMs: 5_000,
  jitterMs: 10,
});

/** The wait before retry number `retry` (0 for the first retry), in milliseconds, never negative. */
export function lockRetryDelayMs(policy: LockRetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = Math.min(policy.initialDelayMs * 2 ** retry, policy.maxDelayMs);
  const jitter = (random() * 2 - 1) * policy.jitterMs;
  return Math.max(0, Math.round(base + jitter));
}

/**
 * `attempt()` until it does not fail with a lock error (`isLocked`), at most `policy.retries` more times; the last
 * error propagates. `firstError` is the lock error of an attempt the caller already made.
 */
export async function retryWhileLocked<T>(
  policy: LockRetryPolicy,
  attempt: () => T,
  isLocked: (err: unknown) => boolean,
  firstError: unknown,
): Promise<T> {
  let lastError = firstError;
  for (let retry = 0; retry < policy.retries; retry += 1) {
    await sleep(lockRetryDelayMs(policy, retry));
    try {
      return attempt();
    } catch (err) {
      if (!isLocked(err)) throw err;
      lastError = err;
    }
  }
  throw lastError;
}
