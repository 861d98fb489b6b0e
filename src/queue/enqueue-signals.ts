/**
 * In-process wake-ups: a producer of this store tells the store's own idle consumers of the queue as soon as its
 * insert has committed. They need not wait for the database's notification (Postgres) or their next poll (SQLite,
 * which has no notifications); consumers in other processes still rely on those.
 */
export interface EnqueueSignals {
  /** Messages of `queueId` became visible. */
  signal(queueId: number): void;
  /** Call `onEnqueue` on every signal of `queueId`; returns the unsubscribe function. */
  subscribe(queueId: number, onEnqueue: () => void): () => void;
}

export function createEnqueueSignals(): EnqueueSignals {
  const subscribers = new Map<number, Set<() => void>>();
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
  };
}
