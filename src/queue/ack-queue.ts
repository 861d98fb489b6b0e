/** Ids whose units were fully handled, waiting for the loop's next statement to archive them. */
export interface AckQueue {
  readonly size: number;
  push(ids: readonly number[]): void;
  /** Remove and return everything pending. */
  take(): number[];
  /** Put back ids whose archive failed. */
  restore(ids: readonly number[]): void;
}

export function createAckQueue(): AckQueue {
  let pending: number[] = [];
  return {
    get size() {
      return pending.length;
    },
    push(ids) {
      for (const id of ids) pending.push(id);
    },
    take() {
      const taken = pending;
      pending = [];
      return taken;
    },
    restore(ids) {
      if (ids.length > 0) pending = [...ids, ...pending];
    },
  };
}
