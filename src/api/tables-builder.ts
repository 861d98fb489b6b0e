import type { Store } from "./pgqrs-store.js";
import type { Tables } from "./tables.js";

/** `pgqrs.tables(store)`: read access to the tables (`.queues()`, `.messages()`, `.workers()`, …). */
export function tables(store: Store): Tables {
  return store.tables();
}
