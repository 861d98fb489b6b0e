import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Logger } from "../observability/logger.js";
import type { EnqueueSignals } from "../queue/enqueue-signals.js";
import type { StoreBackend } from "../store/store.js";
import type { HeartbeatRegistry } from "./heartbeat-registry.js";

/** What every engine component needs from the store it belongs to. */
export interface EngineContext {
  readonly backend: StoreBackend;
  readonly config: Config;
  readonly clock: Clock;
  readonly heartbeats: HeartbeatRegistry;
  /** Where the engine reports background work and failures (`connect(dsn, { logger })`); silent by default. */
  readonly logger: Logger;
  /** Wakes this store's idle consumers when its producers enqueue. */
  readonly enqueueSignals: EnqueueSignals;
  /** Rejects with STORE_CLOSED once the store is closed. */
  assertOpen(): void;
}
