/**
 * What a backend tells the rest of pgqrs about itself: the DSNs it takes, what it can do, and how to open it. Each
 * backend exports one {@link BackendDefinition} from `store/<kind>/<kind>-backend.ts`, and `backend-registry.ts`
 * lists them; `connect`, `Config`, the CLI and the test support read that list, never a backend's name. A
 * definition module is light: it imports its backend (and so its driver) only when `open` is called.
 */
import type { PgPoolLike } from "../api/pg-pool-like.js";
import type { Config } from "../config/config.js";
import type { Logger } from "../observability/logger.js";
import type { DriverInfo } from "./driver-loader.js";
import type { StoreBackend, StoreCapabilities } from "./store.js";

/** What `open` gets besides the DSN: the resolved configuration and `connect`'s non-data options. */
export interface BackendOpenOptions {
  /** The resolved configuration; `config.dsn` is a DSN this backend's `matchesDsn` accepted. */
  config: Config;
  /** An application's `pg.Pool` (only given to a backend whose `acceptsPool` is true). */
  pool?: PgPoolLike;
  /** Where the backend reports background trouble (listener reconnects, …). Default: nowhere. */
  logger?: Logger;
}

/** What a DSN names, as far as the engine and the tests need to know. */
export interface ParsedDsn {
  /** The backend's kind. */
  kind: string;
  /**
   * The local database file this process opens (`":memory:"` for an in-memory database); absent for a backend
   * whose data lives elsewhere (a server).
   */
  file?: string;
}

/** One backend, as the registry lists it. */
export interface BackendDefinition<Kind extends string = string> {
  /** Short name, e.g. `"sqlite"`; `store.backendName()` and `config.backend` say it. */
  readonly kind: Kind;
  /** Name for people, e.g. `"SQLite"`. */
  readonly label: string;
  /** The DSN forms it accepts, for error messages and help, e.g. `"sqlite:///absolute/path.db"`. */
  readonly dsnForms: readonly string[];
  /** Its driver, an optional peer dependency loaded on first use. */
  readonly driver: DriverInfo;
  /** What it can do; the same object its stores report as `capabilities`. */
  readonly capabilities: StoreCapabilities;
  /** Whether `connect(dsn, { pool })` applies to it; others refuse a pool with INVALID_CONFIG. */
  readonly acceptsPool: boolean;
  /** Whether the DSN names this backend (by its scheme only; a malformed one is `parseDsn`'s to refuse). */
  matchesDsn(dsn: string): boolean;
  /** What the DSN names; INVALID_CONFIG naming the accepted forms when it is malformed. Writes nothing. */
  parseDsn(dsn: string): ParsedDsn;
  /** Open a store backend (loading the driver on first use: DRIVER_NOT_INSTALLED when it is missing). */
  open(options: BackendOpenOptions): Promise<StoreBackend>;
}
