/** The SQLite backend's registry entry: `sqlite:` DSNs, opened on better-sqlite3. */
import type { BackendDefinition } from "../backend-definition.js";
import type { StoreCapabilities } from "../store.js";
import { isSqliteDsn, SQLITE_DSN_FORMS, sqlitePathFromDsn } from "./sqlite-dsn.js";

/**
 * What SQLite can do: one writer at a time, but several processes may open the file (WAL; they wait on the write
 * lock), so crash recovery by another process works.
 */
export const SQLITE_CAPABILITIES: StoreCapabilities = Object.freeze({
  backendName: "sqlite",
  processesPerDatabase: "many",
  listenNotify: false,
  networkRoundTrips: false,
});

export const SQLITE_BACKEND: BackendDefinition<"sqlite"> = {
  kind: "sqlite",
  label: "SQLite",
  dsnForms: SQLITE_DSN_FORMS,
  driver: { packageName: "better-sqlite3", backend: "SQLite" },
  capabilities: SQLITE_CAPABILITIES,
  acceptsPool: false,
  matchesDsn: isSqliteDsn,
  parseDsn: (dsn) => ({ kind: "sqlite", file: sqlitePathFromDsn(dsn) }),
  async open({ config }) {
    const { createSqliteBackend } = await import("./sqlite-store.js");
    return createSqliteBackend({
      path: sqlitePathFromDsn(config.dsn),
      useWal: config.sqlite.useWal,
      busyTimeoutMs: config.sqlite.busyTimeoutMs,
    });
  },
};
