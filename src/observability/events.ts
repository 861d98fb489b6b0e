/**
 * In-process hooks: `store.events.on("failed", (e) => …)`. A small typed emitter, one per store. Listeners run
 * synchronously where the engine reaches the event (keep them short, or hand the work off); whatever they throw,
 * or reject with, is caught and reported to the store's logger, never to the engine, which carries on. Emission
 * sites first ask {@link StoreEvents.has}, so an event nobody listens to costs no allocation.
 */
import type { PgqrsEventListener, PgqrsEventMap, PgqrsEventName } from "./events-map.js";

export type * from "./events-map.js";

type AnyListener = (event: never) => void | Promise<void>;

/** Where listener failures are reported: the store's logger (pino's call shape), when it has one. */
interface ErrorSink {
  error(fields: Readonly<Record<string, unknown>>, message: string): void;
}

/** A store's event hooks: {@link on}, {@link once}, {@link off}. */
export class StoreEvents {
  readonly #listeners = new Map<PgqrsEventName, AnyListener[]>();
  readonly #logger: () => ErrorSink | undefined;

  /** Not for direct use: use `store.events`. `logger` is read when a listener fails. */
  constructor(logger: () => ErrorSink | undefined = () => undefined) {
    this.#logger = logger;
  }

  /** Call `listener` with every `name` event from now on (the same function twice: called twice). Returns `off`. */
  on<K extends PgqrsEventName>(name: K, listener: PgqrsEventListener<K>): () => void {
    const list = this.#listeners.get(name);
    // A new array per change, so an emission in progress keeps the list it started with.
    this.#listeners.set(name, list === undefined ? [listener as AnyListener] : [...list, listener as AnyListener]);
    return () => this.off(name, listener);
  }

  /** Call `listener` with the next `name` event only. Returns the function that cancels it. */
  once<K extends PgqrsEventName>(name: K, listener: PgqrsEventListener<K>): () => void {
    const wrapper: PgqrsEventListener<K> = (event) => {
      this.off(name, wrapper);
      return listener(event);
    };
    return this.on(name, wrapper);
  }

  /** Stop calling `listener` for `name` (its most recent registration). No-op when it is not registered. */
  off<K extends PgqrsEventName>(name: K, listener: PgqrsEventListener<K>): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    const i = list.lastIndexOf(listener as AnyListener);
    if (i < 0) return;
    const next = [...list.slice(0, i), ...list.slice(i + 1)];
    if (next.length === 0) this.#listeners.delete(name);
    else this.#listeners.set(name, next);
  }

  /** @internal True when `name` has a listener: emission sites build their event only then. */
  has(name: PgqrsEventName): boolean {
    return this.#listeners.has(name);
  }

  /** How many listeners `name` has. */
  listenerCount(name: PgqrsEventName): number {
    return this.#listeners.get(name)?.length ?? 0;
  }

  /** @internal Call `name`'s listeners with `event`, in registration order; their failures are logged. */
  emit<K extends PgqrsEventName>(name: K, event: PgqrsEventMap[K]): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        const result = (listener as PgqrsEventListener<K>)(event);
        if (result !== undefined && typeof (result as Promise<void>).then === "function") {
          (result as Promise<void>).then(undefined, (err: unknown) => this.#report(name, err));
        }
      } catch (err) {
        this.#report(name, err);
      }
    }
  }

  #report(name: PgqrsEventName, err: unknown): void {
    try {
      this.#logger()?.error({ event: name, err }, `pgqrs event listener for '${name}' failed`);
    } catch {
      // Reporting is best effort: a failing logger must not break the engine either.
    }
  }
}

const byContext = new WeakMap<object, StoreEvents>();

/**
 * The events of the store whose engine context is `ctx` (made on first use, so a store nobody listens to never
 * builds one). Failures of listeners go to `ctx.logger` when the context has one.
 */
export function eventsOf(ctx: object): StoreEvents {
  let events = byContext.get(ctx);
  if (events === undefined) {
    events = new StoreEvents(() => (ctx as { logger?: ErrorSink }).logger);
    byContext.set(ctx, events);
  }
  return events;
}
