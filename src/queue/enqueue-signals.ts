/**
 * In-process wake-ups: a producer of this store tells the store's own idle consumers of the queue as soon as its
 * insert has committed. They need not wait for the database's notification (Postgres) or their next poll (SQLite,
 * which has no notifications); consumers in other processes still rely on those.
 *
 * An idle handler loop may also offer to take the next message straight from a producer of this store (a
 * handoff): the producer inserts that message already leased to the loop's consumer, and gives it to the loop when
 * the insert returns, so the loop starts its handler without a claim round trip.
 */
import type { QueueMessage } from "../types.js";

/** An idle loop's offer to take one message of its queue straight from the insert. */
export interface HandoffOffer {
  /** The consumer the message is leased to. */
  readonly workerId: number;
  /** Lease length, ms, from the insert's time. */
  readonly leaseMs: number;
  /** The insert committed: the message is leased to `workerId`. Called at most once. */
  deliver(message: QueueMessage): void;
  /** The offer was taken, but the insert failed or leased nothing. */
  cancel(): void;
}

export interface EnqueueSignals {
  /** Messages of `queueId` became visible. */
  signal(queueId: number): void;
  /** Call `onEnqueue` on every signal of `queueId`; returns the unsubscribe function. */
  subscribe(queueId: number, onEnqueue: () => void): () => void;
  /** Register a handoff offer for the next single enqueue of `queueId`; returns the function that withdraws it. */
  offer(queueId: number, offer: HandoffOffer): () => void;
  /** Take (and remove) the oldest offer for `queueId`, if any. */
  take(queueId: number): HandoffOffer | undefined;
}

export function createEnqueueSignals(): EnqueueSignals {
  const subscribers = new Map<number, Set<() => void>>();
  const offers = new Map<number, Set<HandoffOffer>>();
  return {
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
      const first = set.values().next();
      if (first.done === true) return undefined;
      set.delete(first.value);
      if (set.size === 0) offers.delete(queueId);
      return first.value;
    },
  };
}
