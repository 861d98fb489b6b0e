import { type Clock, systemClock } from "../clock.js";
import { Config, type ConfigInput } from "../config.js";
import { PgqrsError } from "../errors.js";
import { isLogger, type Logger } from "../observability/logger.js";
import type { BackendOpenOptions } from "../store/backend-definition.js";
import { backendOfKind } from "../store/backend-registry.js";
import type { StoreBackend } from "../store/store.js";
import type { PgPoolLike } from "./pg-pool-like.js";
import { Store } from "./pgqrs-store.js";

/** Options that are not configuration data. */
export interface ConnectOptions {
  /** Source of time for leases, delays, retries and heartbeats. Default the system clock. */
  clock?: Clock;
  /** A `pg.Pool` of your own (Postgres only); pgqrs never ends it. */
  pool?: PgPoolLike;
  /**
   * Where pgqrs reports background work and failures: `{ debug, info, warn, error }`, each called as
   * `(fields, message)` (a pino logger fits as is). Default: silent; pgqrs never writes to the console.
   * Not a {@link Config} field: a logger is an object, not configuration data.
   */
  logger?: Logger;
}

/**
 * Connect to a database named by a DSN: `postgres://…`, `postgresql://…`, `sqlite://path.db`, `sqlite:///abs.db`,
 * `sqlite::memory:`, `turso:///abs.db`, `turso://rel.db` or `turso:rel.db` (every registered backend's forms;
 * INVALID_CONFIG lists them). All other settings take their defaults (reads no environment). A SQLite file that
 * does not exist is created by the store's first write (`install()`, say): until then the file is only read, so
 * `verify()` and reads change nothing. A Turso file that does not exist is created here.
 */
export async function connect(dsn: string, options: ConnectOptions & Omit<ConfigInput, "dsn"> = {}): Promise<Store> {
  const { clock, pool, logger, ...rest } = options;
  const extra: ConnectOptions = {};
  if (clock !== undefined) extra.clock = clock;
  if (pool !== undefined) extra.pool = pool;
  if (logger !== undefined) extra.logger = logger;
  return connectWithConfig(new Config({ ...rest, dsn }), extra);
}

/** Connect with a full {@link Config} (or the fields of one). */
export async function connectWithConfig(config: Config | ConfigInput, options: ConnectOptions = {}): Promise<Store> {
  const resolved = config instanceof Config ? config : new Config(config);
  if (options.logger !== undefined && !isLogger(options.logger)) {
    throw new PgqrsError(
      "INVALID_CONFIG",
      "Invalid configuration value for logger: it needs debug, info, warn and error methods (a pino logger works)",
    );
  }
  const backend = await openBackend(resolved, options);
  return new Store(backend, resolved, options.clock ?? systemClock, options.logger);
}

async function openBackend(config: Config, options: ConnectOptions): Promise<StoreBackend> {
  const definition = backendOfKind(config.backend);
  if (definition === undefined) throw new Error(`unreachable: ${config.backend} is not registered`);
  definition.parseDsn(config.dsn);
  if (options.pool !== undefined && !definition.acceptsPool) {
    throw new PgqrsError(
      "INVALID_CONFIG",
      "Invalid configuration value for pool: a pg.Pool only works with a Postgres DSN",
    );
  }
  const open: BackendOpenOptions = { config };
  if (options.pool !== undefined) open.pool = options.pool;
  if (options.logger !== undefined) open.logger = options.logger;
  return definition.open(open);
}
