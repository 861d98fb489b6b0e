/**
 * A bounded memory of facts that never change once true (a run's queue, a workflow's queue), kept per store so
 * two stores in one process never share one: a lookup it answers costs no statement.
 */
import type { EngineContext } from "../workers/engine-context.js";

/** Number keys to number values, per store, at most `limit` entries per store. */
export interface StoreMemo {
  /** The value remembered for `key` in this store, if any. */
  get(ctx: EngineContext, key: number): number | undefined;
  /** Remember `value` for `key` in this store; past the limit the store's memory starts over. */
  set(ctx: EngineContext, key: number, value: number): void;
}

/** A memory of at most `limit` entries per store (starting over when full, so it never grows past it). */
export function createStoreMemo(limit: number): StoreMemo {
  const byStore = new WeakMap<EngineContext, Map<number, number>>();
  return {
    get: (ctx, key) => byStore.get(ctx)?.get(key),
    set(ctx, key, value) {
      let known = byStore.get(ctx);
      if (known === undefined || known.size >= limit) {
        known = new Map();
        byStore.set(ctx, known);
      }
      known.set(key, value);
    },
  };
}
