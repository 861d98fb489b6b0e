/**
 * The claim bounds' bookkeeping (src/store/postgres/postgres-claim-bound.ts): when a store's next claim of a queue
 * starts from a bound, where the bound moves, and when the claims go back to the queue's head.
 */
import { describe, expect, it } from "vitest";
import { createClaimBounds } from "../../src/store/postgres/postgres-claim-bound.js";

const T = Date.parse("2026-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(T + ms);

describe("claim bounds", () => {
  it("start after a full batch from the head, at the start of the first claimed row's level", () => {
    const b = createClaimBounds(5_000, 1_000);
    expect(b.next(1, T)).toBeUndefined();
    b.afterFull(1, T, 50, 50, 3);
    expect(b.next(1, T + 10)).toEqual({ level: 3, enqueuedAt: null, id: 0, probe: true });
    expect(b.next(2, T + 10)).toBeUndefined();
  });

  it("a short batch, or none, keeps the claims at the head", () => {
    const b = createClaimBounds(5_000, 1_000);
    b.afterFull(1, T, 49, 50, 0);
    expect(b.next(1, T)).toBeUndefined();
    b.afterFull(1, T, 0, 50, undefined);
    expect(b.next(1, T)).toBeUndefined();
  });

  it("moves to the first unarchived row, never closer than the margin to the claim's time, never back", () => {
    const b = createClaimBounds(5_000, 1_000);
    b.afterFull(1, T + 60_000, 10, 10, 0);
    const used = b.next(1, T + 60_000);
    expect(used).toBeDefined();
    if (used === undefined) return;
    b.afterBounded(1, T + 60_000, used, 10, 10, { enqueuedAt: at(1_000), id: 7 });
    expect(b.next(1, T + 60_000)).toEqual({ level: 0, enqueuedAt: at(1_000), id: 7, probe: true });
    // A first row enqueued 2 s before the claim: the bound stops 5 s before the claim, and the claims stop probing
    // until that row is 5 s old.
    b.afterBounded(1, T + 60_100, used, 10, 10, { enqueuedAt: at(58_100), id: 90 });
    const held = b.next(1, T + 60_100);
    expect(held).toEqual({ level: 0, enqueuedAt: at(55_100), id: 0, probe: false });
    if (held === undefined) return;
    // A claim that did not probe keeps the bound (a full batch) or ends it (a short one).
    b.afterBounded(1, T + 60_150, held, 10, 10, undefined);
    expect(b.next(1, T + 60_150)).toEqual(held);
    // Meanwhile the bound stays where the probe left it.
    expect(b.next(1, T + 60_600)).toEqual(held);
    // A claim answered late, with an older first row: the bound stays.
    b.afterBounded(1, T + 60_200, used, 10, 10, { enqueuedAt: at(2_000), id: 8 });
    expect(b.next(1, T + 60_200)).toEqual({ level: 0, enqueuedAt: at(55_100), id: 0, probe: true });
    b.afterBounded(1, T + 60_300, held, 9, 10, undefined);
    expect(b.next(1, T + 60_300)).toBeUndefined();
  });

  it("goes back to the head after a short bounded claim, a level with no unarchived row, or a second", () => {
    const b = createClaimBounds(5_000, 1_000);
    const restart = () => {
      b.afterFull(1, T, 10, 10, 0);
      const used = b.next(1, T);
      if (used === undefined) throw new Error("expected a bound");
      return used;
    };
    b.afterBounded(1, T, restart(), 9, 10, { enqueuedAt: at(-9_000), id: 1 });
    expect(b.next(1, T)).toBeUndefined();
    b.afterBounded(1, T, restart(), 10, 10, undefined);
    expect(b.next(1, T)).toBeUndefined();
    restart();
    expect(b.next(1, T + 999)).toBeDefined();
    expect(b.next(1, T + 1_000)).toBeUndefined();
    // A clock set back is treated as a second gone by.
    restart();
    expect(b.next(1, T - 1)).toBeUndefined();
  });
});
