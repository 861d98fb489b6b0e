import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { StoreBackend } from "../store/store.js";
import type { HeartbeatRegistry } from "./heartbeat-registry.js";

/** What every engine component needs from the store it belongs to. */
export interface EngineContext {
  readonly backend: StoreBackend;
  readonly config: Config;
  readonly clock: Clock;
  readonly heartbeats: HeartbeatRegistry;
  /** Rejects with STORE_CLOSED once the store is closed. */
  assertOpen(): void;
}
