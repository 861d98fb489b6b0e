/** The producer rate limiter: a token bucket that starts full, refills continuously and takes batches whole. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { PgqrsError } from "../../src/errors.js";
import { TokenBucket } from "../../src/queue/token-bucket.js";

/** The PgqrsError `fn` throws (fails the test when it throws nothing or something else). */
function thrown(fn: () => void): PgqrsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PgqrsError);
    return err as PgqrsError;
  }
  throw new Error("expected a PgqrsError, nothing was thrown");
}

describe("TokenBucket construction", () => {
  it("starts full", () => {
    const bucket = new TokenBucket(10, 5, new ManualClock(0));
    expect(bucket.status()).toEqual({ availableTokens: 5, maxPerSecond: 10, burstCapacity: 5 });
  });

  it.each([0, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY])("refuses burst capacity %s (INVALID_CONFIG)", (burst) => {
    const err = thrown(() => new TokenBucket(10, burst, new ManualClock(0)));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.details).toEqual({ field: "maxEnqueueBurst" });
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("refuses rate %s (INVALID_CONFIG)", (rate) => {
    const err = thrown(() => new TokenBucket(rate, 5, new ManualClock(0)));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.details).toEqual({ field: "maxEnqueuePerSecond" });
  });
});

describe("TokenBucket.acquire", () => {
  it("takes a batch of n whole: the burst at once, then RATE_LIMITED with the wait for the missing tokens", () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(2, 10, clock);
    bucket.acquire(7);
    expect(bucket.status().availableTokens).toBe(3);
    const err = thrown(() => bucket.acquire(4));
    expect(err.code).toBe("RATE_LIMITED");
    // One token missing at 2 tokens/s: 500 ms.
    expect(err.details).toEqual({ requested: 4, availableTokens: 3, retryAfterMs: 500 });
    // A refused batch takes nothing.
    expect(bucket.status().availableTokens).toBe(3);
    bucket.acquire(3);
    expect(bucket.status().availableTokens).toBe(0);
  });

  it("refills continuously at maxPerSecond, never above the burst", () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(4, 10, clock);
    bucket.acquire(10);
    clock.advance(250);
    expect(bucket.status().availableTokens).toBe(1);
    clock.advance(1_000);
    expect(bucket.status().availableTokens).toBe(5);
    clock.advance(60_000);
    expect(bucket.status().availableTokens).toBe(10);
    expect(() => bucket.acquire(11)).toThrow(PgqrsError);
    bucket.acquire(10);
  });

  it("counts fractions of a token: two half-token refills make one", () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(1, 1, clock);
    bucket.acquire(1);
    clock.advance(500);
    expect(bucket.status().availableTokens).toBe(0);
    expect(thrown(() => bucket.acquire(1)).details).toMatchObject({ retryAfterMs: 500 });
    clock.advance(500);
    bucket.acquire(1);
  });

  it("refuses a batch larger than the burst at any time, with retryAfterMs null", () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(1_000, 5, clock);
    const err = thrown(() => bucket.acquire(6));
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.details).toEqual({ requested: 6, burstCapacity: 5, retryAfterMs: null });
    clock.advance(3_600_000);
    expect(() => bucket.acquire(6)).toThrow(/burst capacity 5/);
    expect(bucket.status().availableTokens).toBe(5);
  });

  it("at rate 0 the burst is all there is: retryAfterMs null once it is spent", () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(0, 3, clock);
    bucket.acquire(3);
    clock.advance(86_400_000);
    const err = thrown(() => bucket.acquire(1));
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.details).toMatchObject({ retryAfterMs: null, availableTokens: 0 });
  });

  it("gains nothing from a clock that moves back, and refills from the earlier time on", () => {
    const clock = new ManualClock(10_000);
    const bucket = new TokenBucket(1, 5, clock);
    bucket.acquire(5);
    clock.set(0);
    expect(bucket.status().availableTokens).toBe(0);
    clock.set(2_000);
    expect(bucket.status().availableTokens).toBe(2);
  });

  it("a batch refused with retryAfterMs fits once that much time has passed, and the wait is the missing tokens' worth (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }), // rate, tokens/s
        fc.integer({ min: 1, max: 1_000 }), // burst
        fc.integer({ min: 0, max: 1_000 }), // spent first (clamped to the burst)
        fc.integer({ min: 1, max: 1_000 }), // then requested (clamped to the burst)
        fc.integer({ min: 0, max: 5_000 }), // ms between the two
        (rate, burst, spentRaw, requestedRaw, gapMs) => {
          const spent = Math.min(spentRaw, burst);
          const requested = Math.min(requestedRaw, burst);
          const clock = new ManualClock(1_000_000);
          const bucket = new TokenBucket(rate, burst, clock);
          bucket.acquire(spent);
          clock.advance(gapMs);
          const available = Math.min(burst, burst - spent + (gapMs / 1000) * rate);
          let retryAfterMs: number | null;
          try {
            bucket.acquire(requested);
            // Within float noise of the request counts as enough (the bucket sums its refills step by step).
            expect(available).toBeGreaterThanOrEqual(requested - 1e-6);
            return;
          } catch (err) {
            expect(err).toBeInstanceOf(PgqrsError);
            expect(available).toBeLessThan(requested);
            retryAfterMs = (err as PgqrsError).details.retryAfterMs as number | null;
          }
          expect(retryAfterMs).toBeGreaterThan(0);
          if (retryAfterMs === null) return;
          // Whole milliseconds, rounded up: never short of the exact wait, at most 1 ms (plus float noise) past it.
          const exactMs = ((requested - available) / rate) * 1000;
          expect(retryAfterMs).toBeGreaterThanOrEqual(exactMs - 1e-6);
          expect(retryAfterMs).toBeLessThanOrEqual(exactMs + 1 + 1e-6);
          // Obeyed to the millisecond, the retry fits (float noise of the refill does not refuse it).
          clock.advance(retryAfterMs);
          bucket.acquire(requested);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a retry obeyed to the millisecond fits, though the refill summed in steps is a hair short (rate 12, burst 387)", () => {
    const clock = new ManualClock(1_000_000);
    const bucket = new TokenBucket(12, 387, clock);
    bucket.acquire(387);
    clock.advance(11);
    const err = thrown(() => bucket.acquire(387));
    expect(err.code).toBe("RATE_LIMITED");
    const retryAfterMs = err.details.retryAfterMs as number;
    expect(retryAfterMs).toBe(32_239);
    clock.advance(retryAfterMs);
    expect(() => bucket.acquire(387)).not.toThrow();
    expect(bucket.status().availableTokens).toBe(0);
  });

  it("never lets more than burst + rate × elapsed tokens through over any schedule (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.record({ waitMs: fc.integer({ min: 0, max: 300 }), n: fc.integer({ min: 0, max: 60 }) }), {
          maxLength: 60,
        }),
        (rate, burst, steps) => {
          const clock = new ManualClock(0);
          const bucket = new TokenBucket(rate, burst, clock);
          let taken = 0;
          let elapsedMs = 0;
          for (const { waitMs, n } of steps) {
            clock.advance(waitMs);
            elapsedMs += waitMs;
            try {
              bucket.acquire(n);
              taken += n;
            } catch (err) {
              expect((err as PgqrsError).code).toBe("RATE_LIMITED");
            }
            expect(taken).toBeLessThanOrEqual(burst + (elapsedMs / 1000) * rate + 1e-9);
            const status = bucket.status();
            expect(status.availableTokens).toBeGreaterThanOrEqual(0);
            expect(status.availableTokens).toBeLessThanOrEqual(burst);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
