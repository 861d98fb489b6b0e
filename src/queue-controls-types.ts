/**
 * Queue controls: the settings a queue carries (retry backoff, a concurrency limit and a rate limit that
 * hold across every process) and what a failed delivery leaves on its message. Stored in `pgqrs_queue_settings`
 * (one row per queue that has settings) and in added columns of `pgqrs_messages`; pgqrs's own columns keep their
 * meaning.
 */
import type { RetentionSetting } from "./retention/retention-setting.js";

/**
 * How a queue handler's failures are retried. Attempt `n` (1-based, the message's `readCt`) that fails makes the
 * message visible again after `min(maxMs, baseMs × factor^(n − 1))` milliseconds, shortened by a random fraction
 * of up to `jitter` (so with the defaults the first retry comes after 0.8 to 1 s, the second after 1.6 to 2 s, …,
 * capped at 5 minutes). The failure of attempt `maxAttempts` dead-letters the message in the same statement.
 */
export interface RetryPolicy {
  /** Deliveries before the message is dead-lettered, 1 to 1,000. Default `config.maxReadCt` (5). */
  maxAttempts: number;
  /** Delay after the first failure, ms, 0 to 1 day. Default 1,000. */
  baseMs: number;
  /** Growth per further failure, 1 to 100. Default 2. */
  factor: number;
  /** Longest delay, ms, 0 to 7 days, at least `baseMs`. Default 300,000 (5 minutes). */
  maxMs: number;
  /** Random shortening of each delay, a fraction 0 to 1 (0: exact delays). Default 0.2. */
  jitter: number;
}

/** A retry policy as given: any field left out takes its default ({@link RetryPolicy}). */
export type RetryOptions = Partial<RetryPolicy>;

/** At most `max` claims of the queue's messages in any `perSeconds` window, across every process. */
export interface RateLimit {
  /** Claims per window, an integer 1 to 10,000. */
  max: number;
  /** Window length, seconds, more than 0 and at most 1 day (86,400). */
  perSeconds: number;
}

/**
 * A queue's settings. `null` means unset: the defaults apply (retry), or no limit (concurrency, rate).
 */
export interface QueueSettings {
  /** The queue's retry policy as stored (fields not stored take their defaults at use); `null`: defaults. */
  retry: RetryOptions | null;
  /** Messages of the queue leased at once, at most, across every consumer and process; `null`: no limit. */
  concurrencyLimit: number | null;
  /** Claims per time window across every process; `null`: no limit. */
  rateLimit: RateLimit | null;
}

/**
 * Settings to change (`createQueue`, `updateQueue`): a field left out keeps its value, `null` clears it.
 * `concurrencyLimit` is an integer 1 to 10,000.
 */
export interface QueueSettingsOptions {
  /** How failed deliveries are retried (see {@link RetryOptions}); `null` clears it (back to the defaults). */
  retry?: RetryOptions | null;
  /** Messages of the queue leased at once, at most, across every consumer and process; `null`: no limit. */
  concurrencyLimit?: number | null;
  /** Claims per time window across every process (see {@link RateLimit}); `null`: no limit. */
  rateLimit?: RateLimit | null;
  /**
   * How long archived messages, dead letters and finished runs are kept (`{ archived: "7d", deadLetters: "30d",
   * finishedRuns: "30d" }`, the defaults), `false` to keep them forever, `null` (updateQueue) for the defaults again.
   * Same as `admin(store).setRetention(name, retention)`; see docs/guides/retention.md.
   */
  retention?: RetentionSetting;
}

/** `createQueue(name, options)`. */
export interface CreateQueueOptions extends QueueSettingsOptions {
  /**
   * Return the existing queue of that name (its settings unchanged: use `updateQueue`) instead of failing with
   * QUEUE_ALREADY_EXISTS. Default false.
   */
  ifNotExists?: boolean;
}

/** The error a failed delivery left on its message (`QueueMessage.lastError`). */
export interface MessageError {
  /** The error's `name` (`"Error"`, `"TypeError"`, …); `"Error"` for thrown non-errors. */
  name: string;
  /** The error's message, at most 2,000 characters. */
  message: string;
  /** The head of the stack trace (at most 10 lines, 4,000 characters); `null` when there is none. */
  stack: string | null;
  /** The delivery that failed (the message's `readCt` then), 1-based. */
  attempt: number;
  /** When it failed, ISO 8601 (the store clock). */
  failedAt: string;
}
