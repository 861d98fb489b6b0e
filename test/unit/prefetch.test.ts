/** How far a handler loop claims ahead (src/queue/prefetch.ts): the default depth and when prefetching is used. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createPrefetch,
  defaultPrefetch,
  FAST_UNIT_MS,
  LOCAL_MAX_PREFETCH,
  LOCAL_MIN_PREFETCH,
  MIN_PREFETCH_LEASE_MS,
  PREFETCH_MAX_SLOTS,
} from "../../src/queue/prefetch.js";

const concurrency = fc.integer({ min: 1, max: 64 });
const batch = fc.integer({ min: 1, max: 100 });

describe("defaultPrefetch", () => {
  it("network round trips: twice concurrency × batch, at least 8 and at most 200", () => {
    expect(defaultPrefetch(1, 1, true)).toBe(8);
    expect(defaultPrefetch(2, 2, true)).toBe(8);
    expect(defaultPrefetch(1, 5, true)).toBe(10);
    expect(defaultPrefetch(4, 10, true)).toBe(80);
    expect(defaultPrefetch(10, 10, true)).toBe(200);
    expect(defaultPrefetch(16, 16, true)).toBe(200); // 256 slots: still prefetches
  });

  it("local calls: eight times concurrency × batch, at least LOCAL_MIN_PREFETCH and at most LOCAL_MAX_PREFETCH", () => {
    expect(LOCAL_MIN_PREFETCH).toBe(64);
    expect(LOCAL_MAX_PREFETCH).toBe(400);
    expect(defaultPrefetch(1, 1, false)).toBe(LOCAL_MIN_PREFETCH);
    expect(defaultPrefetch(1, 8, false)).toBe(64);
    expect(defaultPrefetch(1, 10, false)).toBe(80);
    expect(defaultPrefetch(5, 10, false)).toBe(400);
    expect(defaultPrefetch(1, 50, false)).toBe(LOCAL_MAX_PREFETCH);
    expect(defaultPrefetch(16, 16, false)).toBe(LOCAL_MAX_PREFETCH);
  });

  it("none once concurrency × batch exceeds PREFETCH_MAX_SLOTS, on either kind of store", () => {
    expect(PREFETCH_MAX_SLOTS).toBe(256);
    expect(defaultPrefetch(1, 257, true)).toBe(0);
    expect(defaultPrefetch(257, 1, false)).toBe(0);
    expect(defaultPrefetch(16, 50, true)).toBe(0);
    expect(defaultPrefetch(16, 50, false)).toBe(0);
  });

  it("follows the documented formula for every concurrency and batch (property)", () => {
    fc.assert(
      fc.property(concurrency, batch, fc.boolean(), (k, b, network) => {
        const slots = k * b;
        const depth = defaultPrefetch(k, b, network);
        expect(Number.isInteger(depth)).toBe(true);
        if (slots > PREFETCH_MAX_SLOTS) {
          expect(depth).toBe(0);
        } else if (network) {
          expect(depth).toBeGreaterThanOrEqual(8);
          expect(depth).toBeLessThanOrEqual(200);
          expect(depth).toBe(Math.min(200, Math.max(8, 2 * slots)));
        } else {
          expect(depth).toBeGreaterThanOrEqual(LOCAL_MIN_PREFETCH);
          expect(depth).toBeLessThanOrEqual(LOCAL_MAX_PREFETCH);
          expect(depth).toBe(Math.min(LOCAL_MAX_PREFETCH, Math.max(LOCAL_MIN_PREFETCH, 8 * slots)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a local store claims ahead at least as far as a networked one, and more slots never claim less (property)", () => {
    fc.assert(
      fc.property(concurrency, batch, fc.boolean(), (k, b, network) => {
        expect(defaultPrefetch(k, b, false)).toBeGreaterThanOrEqual(defaultPrefetch(k, b, true));
        if ((k + 1) * b <= PREFETCH_MAX_SLOTS) {
          expect(defaultPrefetch(k + 1, b, network)).toBeGreaterThanOrEqual(defaultPrefetch(k, b, network));
        }
        // Only the product matters.
        expect(defaultPrefetch(k, b, network)).toBe(defaultPrefetch(b, k, network));
      }),
    );
  });
});

describe("createPrefetch", () => {
  it("claims `max` ahead while the recent mean unit time is at most FAST_UNIT_MS, none above or when unknown", () => {
    const p = createPrefetch(50, 30);
    expect(p.depth(0)).toBe(50);
    expect(p.depth(FAST_UNIT_MS)).toBe(50);
    expect(p.depth(FAST_UNIT_MS + 0.001)).toBe(0);
    expect(p.depth(1_000)).toBe(0);
    expect(p.depth(undefined)).toBe(0);
  });

  it("depth is a step in the mean unit time: max up to FAST_UNIT_MS, 0 beyond (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 2, max: 3_600 }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        (max, vt, mean) => {
          expect(createPrefetch(max, vt).depth(mean)).toBe(mean <= FAST_UNIT_MS ? max : 0);
        },
      ),
    );
  });

  it("is off with max 0 or a lease shorter than MIN_PREFETCH_LEASE_MS", () => {
    expect(MIN_PREFETCH_LEASE_MS).toBe(2_000);
    for (const p of [createPrefetch(0, 30), createPrefetch(-5, 30), createPrefetch(50, 1.999)]) {
      expect(p.depth(0)).toBe(0);
      expect(p.stale(Number.MAX_SAFE_INTEGER)).toBe(false);
    }
    // Exactly the shortest lease prefetches.
    expect(createPrefetch(50, MIN_PREFETCH_LEASE_MS / 1000).depth(0)).toBe(50);
  });

  it("a unit that waited more than half the lease is stale, not one that waited exactly half", () => {
    const p = createPrefetch(10, 30);
    expect(p.stale(0)).toBe(false);
    expect(p.stale(15_000)).toBe(false);
    expect(p.stale(15_001)).toBe(true);
    const shortest = createPrefetch(10, 2);
    expect(shortest.stale(1_000)).toBe(false);
    expect(shortest.stale(1_000.5)).toBe(true);
  });
});
