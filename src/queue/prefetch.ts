/**
 * How far a handler loop claims ahead of its free slots. Prefetched units start without a round trip and their
 * acknowledgements ride on the next claim, so a loop of fast handlers archives many messages per statement even at
 * concurrency 1 and batch 1. It pays only for fast handlers and costs leases held while waiting, so it is used
 * only while recent units took at most {@link FAST_UNIT_MS} on average and the lease is long enough that waiting
 * cannot eat it: {@link MIN_PREFETCH_LEASE_MS}.
 */
export interface Prefetch {
  /** Messages to claim beyond the free slots, given the recent mean unit time (ms). */
  depth(meanUnitMs: number | undefined): number;
  /** A unit that waited this long (ms) for a lane is given back instead of run. */
  stale(waitedMs: number): boolean;
}

/** Mean handling time (ms) under which a loop prefetches. */
export const FAST_UNIT_MS = 25;
/** Shortest lease (ms) with which a loop prefetches. */
export const MIN_PREFETCH_LEASE_MS = 2_000;

/** `max` messages at most; `vtSeconds` the loop's lease. */
export function createPrefetch(max: number, vtSeconds: number): Prefetch {
  const leaseMs = vtSeconds * 1000;
  const enabled = max > 0 && leaseMs >= MIN_PREFETCH_LEASE_MS;
  return {
    depth: (meanUnitMs) => (enabled && meanUnitMs !== undefined && meanUnitMs <= FAST_UNIT_MS ? max : 0),
    stale: (waitedMs) => enabled && waitedMs > leaseMs / 2,
  };
}

/** Concurrency × batch above which a claim is large enough that claiming ahead no longer pays. */
export const PREFETCH_MAX_SLOTS = 256;

/**
 * Fewest messages a loop claims ahead where a claim is a local call (SQLite): each refill is one write transaction
 * whose commit costs about as much as the claim itself, so it pays to refill many messages at a time (measured at
 * K=1 B=1: 7k messages/s without prefetch, 28k with 32, 40k with 64).
 */
export const LOCAL_MIN_PREFETCH = 64;

/** Most messages a loop claims ahead where claims are local calls (measured at K=1 B=50: +15% with 400 over none). */
export const LOCAL_MAX_PREFETCH = 400;

/**
 * The default of `DequeueBuilder.prefetch`: none once concurrency × batch exceeds {@link PREFETCH_MAX_SLOTS}
 * (measured on PostgreSQL: at 16 × 50 the larger claims cost more than the saved round trips). Otherwise, where
 * claims are round trips (`networkRoundTrips`), twice concurrency × batch, at least 8 and at most 200; where they
 * are local calls, eight times concurrency × batch, at least {@link LOCAL_MIN_PREFETCH} and at most
 * {@link LOCAL_MAX_PREFETCH}.
 */
export function defaultPrefetch(concurrency: number, batchSize: number, networkRoundTrips: boolean): number {
  const slots = concurrency * batchSize;
  if (slots > PREFETCH_MAX_SLOTS) return 0;
  return networkRoundTrips
    ? Math.min(200, Math.max(8, 2 * slots))
    : Math.min(LOCAL_MAX_PREFETCH, Math.max(LOCAL_MIN_PREFETCH, 8 * slots));
}
