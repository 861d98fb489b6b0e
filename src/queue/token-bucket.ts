import type { Clock } from "../clock.js";
import { PgqrsError } from "../errors.js";

/** A snapshot of a producer's rate limiter. */
export interface RateLimitStatus {
  /** Whole tokens available now (enqueues allowed at once), from 0 to `burstCapacity`. */
  availableTokens: number;
  /** Refill rate, tokens (enqueued messages) per second (`maxEnqueuePerSecond`). */
  maxPerSecond: number;
  /** Most tokens the bucket holds, the largest batch it admits (`maxEnqueueBurst`). */
  burstCapacity: number;
}

/** Tokens short of a request that still let it through: float noise of the refill, far below one token. */
const TOKEN_EPSILON = 1e-6;

/**
 * A token bucket per producer: starts full, refills continuously at
 * `maxPerSecond`, a batch of N takes N tokens at once or fails.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  /** Starts full. `maxPerSecond` >= 0 and `burstCapacity` >= 1, else INVALID_CONFIG; times come from `clock`. */
  constructor(maxPerSecond: number, burstCapacity: number, clock: Clock) {
    if (!Number.isFinite(burstCapacity) || burstCapacity < 1) {
      throw new PgqrsError("INVALID_CONFIG", "Invalid configuration value for maxEnqueueBurst: must be at least 1", {
        details: { field: "maxEnqueueBurst" },
      });
    }
    if (!Number.isFinite(maxPerSecond) || maxPerSecond < 0) {
      throw new PgqrsError("INVALID_CONFIG", "Invalid configuration value for maxEnqueuePerSecond: must be >= 0", {
        details: { field: "maxEnqueuePerSecond" },
      });
    }
    this.#rate = maxPerSecond;
    this.#burst = burstCapacity;
    this.#clock = clock;
    this.#tokens = burstCapacity;
    this.#last = clock.now().getTime();
  }

  /**
   * Take `n` tokens or throw RATE_LIMITED; also RATE_LIMITED (with `retryAfterMs: null`) when `n` can never fit the
   * burst, as pgqrs answers `Error::RateLimited` for a batch larger than `max_enqueue_burst`.
   */
  acquire(n: number): void {
    if (n > this.#burst) {
      throw new PgqrsError(
        "RATE_LIMITED",
        `Rate limit exceeded: a batch of ${n} needs more tokens than the burst capacity ${this.#burst}; split the batch or raise maxEnqueueBurst`,
        { details: { requested: n, burstCapacity: this.#burst, retryAfterMs: null } },
      );
    }
    this.#refill();
    // Within float noise of enough counts as enough: refills summed step by step can leave a bucket at 386.99999…
    // after the exact wait it reported for 387.
    if (n - this.#tokens > TOKEN_EPSILON) {
      const retryAfterMs = this.#rate > 0 ? Math.ceil(((n - this.#tokens) / this.#rate) * 1000) : null;
      throw new PgqrsError(
        "RATE_LIMITED",
        `Rate limit exceeded, retry after ${retryAfterMs === null ? "never (rate 0)" : `${retryAfterMs}ms`}`,
        { details: { requested: n, availableTokens: Math.floor(this.#tokens), retryAfterMs } },
      );
    }
    this.#tokens = Math.max(0, this.#tokens - n);
  }

  /** A snapshot of the bucket after refilling to now (see {@link RateLimitStatus}). */
  status(): RateLimitStatus {
    this.#refill();
    return { availableTokens: Math.floor(this.#tokens), maxPerSecond: this.#rate, burstCapacity: this.#burst };
  }

  #refill(): void {
    const now = this.#clock.now().getTime();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate);
  }
}
