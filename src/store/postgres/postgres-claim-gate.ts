/**
 * The claim gate: at most {@link CLAIM_GATE_SLOTS} claim statements of one queue in flight at once from one store.
 *
 * Several consumers of one queue in one process (16 loops at `.concurrency(1)` rather than one loop at
 * `.concurrency(16)`) would otherwise send their claims at the same moment. Every claim scans the head of the
 * queue's claim index, so concurrent claims contend for the same index and heap pages, step over the rows the
 * others are locking (`SKIP LOCKED` visits and skips them one by one), and lock rows others just leased (the
 * re-check drops them, the lock stays to the end of the transaction), which the owners' acknowledgements then wait
 * for. Measured on a 2-core machine, 16 consumers draining one queue cost 146 µs of server CPU per message with
 * every claim in flight at once, 102 µs with at most 4, and ran about 1.5x faster. A claim holds its slot for one
 * statement (a few milliseconds), never while a handler runs; a waiting claim holds no connection and no lock, so
 * the gate cannot take part in a deadlock. A claim that has waited {@link CLAIM_GATE_BYPASS_MS} goes ahead anyway, so
 * one claim stuck behind a row lock (a long transaction of someone else's) cannot stall the others.
 */
import { systemTimers, type Timers } from "../../clock.js";

/** Claim statements of one queue in flight at once from one store. */
export const CLAIM_GATE_SLOTS = 4;

/** Longest wait (ms) for a slot before a claim goes ahead without one. */
export const CLAIM_GATE_BYPASS_MS = 1_000;

export interface ClaimGate {
  /** Run `claim` once the queue has a free slot (or it waited {@link CLAIM_GATE_BYPASS_MS}). */
  run<T>(queueId: number, claim: () => Promise<T>): Promise<T>;
}

interface QueueSlots {
  inFlight: number;
  waiting: Array<() => void>;
}

/**
 * `slots` (default {@link CLAIM_GATE_SLOTS}) claims per queue at once; `bypassMs` (default
 * {@link CLAIM_GATE_BYPASS_MS}) the longest wait; `timers` (default real time) what the wait is measured on.
 */
export function createClaimGate(
  slots = CLAIM_GATE_SLOTS,
  bypassMs = CLAIM_GATE_BYPASS_MS,
  timers: Timers = systemTimers,
): ClaimGate {
  const queues = new Map<number, QueueSlots>();

  const acquire = (q: QueueSlots): Promise<void> | undefined => {
    if (q.inFlight < slots) {
      q.inFlight += 1;
      return undefined;
    }
    return new Promise<void>((resolve) => {
      let done = false;
      const go = () => {
        if (done) return;
        done = true;
        timer.cancel();
        resolve();
      };
      // Bypass: runs over the limit (counted, so its release does not free a slot it never took).
      const timer = timers.setTimeout(
        () => {
          const i = q.waiting.indexOf(go);
          if (i >= 0) q.waiting.splice(i, 1);
          q.inFlight += 1;
          go();
        },
        bypassMs,
        { unref: true },
      );
      q.waiting.push(go);
    });
  };

  const release = (queueId: number, q: QueueSlots) => {
    // The slot passes to the next waiter as is, unless claims that went ahead over the limit still hold more.
    const next = q.inFlight > slots ? undefined : q.waiting.shift();
    if (next !== undefined) return next();
    q.inFlight -= 1;
    if (q.inFlight === 0) queues.delete(queueId);
  };

  return {
    async run(queueId, claim) {
      let q = queues.get(queueId);
      if (q === undefined) {
        q = { inFlight: 0, waiting: [] };
        queues.set(queueId, q);
      }
      const wait = acquire(q);
      if (wait !== undefined) await wait;
      try {
        return await claim();
      } finally {
        release(queueId, q);
      }
    },
  };
}
