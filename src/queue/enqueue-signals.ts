/**
 * In-process wake-ups: a producer of this store tells the store's own idle consumers of the queue as soon as its
 * insert has committed. They need not wait for the database's notification (Postgres) or their next poll (SQLite,
 * which has no notifications); consumers in other processes still rely on those.
 *
 * A handler loop may also offer to take messages straight from a producer of this store (a handoff) while it has
 * a free slot and its queue is drained: the producer inserts such a message already leased to the loop's
 * consumer, and gives it to the loop when the insert returns, so the loop starts its handler without a claim.
 */
import type { QueueMessage, RunRecord } from "../types.js";

/** A loop's standing offer to take messages of its queue straight from their insert. */
export interface HandoffOffer {
  /** The consumer the message is leased to. */
  readonly workerId: number;
  /** Lease length, ms, from the insert's time. */
  readonly leaseMs: number;
  /**
   * A workflow worker's offer: the insert also creates the message's run RUNNING (backends with
   * `enqueueAndStartRun`), and `deliver` gets it (`null`: the caller starts the run itself).
   */
  readonly startsRun: boolean;
  /**
   * Reserve a slot for one message now, if the loop can take it (a free slot, nothing left unclaimed in its
   * queue). Every reservation ends in exactly one `deliver` or `cancel`.
   */
  reserve(): boolean;
  /** The insert committed: the message is leased to `workerId`. */
  deliver(message: QueueMessage, run?: RunRecord | null): void;
  /** A reservation came to nothing: the insert failed or leased nothing. */
  cancel(): void;
}

export interface EnqueueSignals {
  /** Whether any consumer of this store listens for signals (of any queue) now. */
  readonly listening: boolean;
  /** Messages of `queueId` became visible. */
  signal(queueId: number): void;
  /** Call `onEnqueue` on every signal of `queueId`; returns the unsubscribe function. */
  subscribe(queueId: number, onEnqueue: () => void): () => void;
  /** Register a standing handoff offer for single enqueues of `queueId`; returns the function that withdraws it. */
  offer(queueId: number, offer: HandoffOffer): () => void;
  /** The first offer for `queueId` that reserved a slot, if any. */
  take(queueId: number): HandoffOffer | undefined;
}

export function createEnqueueSignals(): EnqueueSignals {
  const subscribers = new Map<number, Set<() => void>>();
  const offers = new Map<number, Set<HandoffOffer>>();
  return {
    get listening() {
      return subscribers.size > 0;
    },
    signal(queueId) {
      const set = subscribers.get(queueId);
      if (set !== undefined) for (const fn of [...set]) fn();
    },
    subscribe(queueId, onEnqueue) {
      let set = subscribers.get(queueId);
      if (set === undefined) {
        set = new Set();
        subscribers.set(queueId, set);
      }
      // A wrapper, so subscribing one function twice needs two unsubscribes.
      const entry = () => onEnqueue();
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0) subscribers.delete(queueId);
      };
    },
    offer(queueId, offer) {
      let set = offers.get(queueId);
      if (set === undefined) {
        set = new Set();
        offers.set(queueId, set);
      }
      set.add(offer);
      return () => {
        set.delete(offer);
        if (set.size === 0 && offers.get(queueId) === set) offers.delete(queueId);
      };
    },
    take(queueId) {
      const set = offers.get(queueId);
      if (set === undefined) return undefined;
      for (const offer of set) if (offer.reserve()) return offer;
      return undefined;
    },
  };
}
