/** The PostgreSQL backend's registry entry: `postgres://…` and `postgresql://…` DSNs, opened on a node-postgres pool. */
import { log } from "../../observability/logger.js";
import type { BackendDefinition } from "../backend-definition.js";
import type { StoreCapabilities } from "../store.js";
import { isKeywordDsn, parsePgTargets } from "./postgres-multi-host-dsn.js";

/** What PostgreSQL can do: many processes and machines, skip-locked claims, LISTEN/NOTIFY wake-ups. */
export const POSTGRES_CAPABILITIES: StoreCapabilities = Object.freeze({
  backendName: "postgres",
  processesPerDatabase: "many",
  listenNotify: true,
  networkRoundTrips: true,
});

export const POSTGRES_BACKEND: BackendDefinition<"postgres"> = {
  kind: "postgres",
  label: "PostgreSQL",
  dsnForms: ["postgres://…", "postgresql://…", "host=… port=… dbname=… (libpq keywords)"],
  driver: { packageName: "pg", backend: "PostgreSQL" },
  capabilities: POSTGRES_CAPABILITIES,
  acceptsPool: true,
  matchesDsn: (dsn) => dsn.startsWith("postgres://") || dsn.startsWith("postgresql://") || isKeywordDsn(dsn),
  // Host lists and target_session_attrs are checked here: INVALID_CONFIG before anything is opened.
  parseDsn: (dsn) => {
    parsePgTargets(dsn);
    return { kind: "postgres" };
  },
  async open({ config, pool, logger }) {
    const { createPostgresBackend } = await import("./postgres-store.js");
    const options: Parameters<typeof createPostgresBackend>[0] = {
      connectionString: config.dsn,
      schema: config.schema,
      maxConnections: config.maxConnections,
      connectionTimeoutMs: config.connectionTimeoutSeconds * 1000,
    };
    // Any pg.Pool fits PgPoolLike, which exists only so that the published types do not import `pg`.
    if (pool !== undefined) options.pool = pool as NonNullable<typeof options.pool>;
    if (config.listenDsn !== undefined) options.listenConnectionString = config.listenDsn;
    if (logger !== undefined) options.listenerReport = (level, fields, message) => log(logger, level, fields, message);
    return createPostgresBackend(options);
  },
};
