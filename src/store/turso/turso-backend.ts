/** The Turso backend's registry entry: `turso:` DSNs, opened on `@tursodatabase/database`. */
import type { BackendDefinition } from "../backend-definition.js";
import type { StoreCapabilities } from "../store.js";
import { TURSO_DRIVER } from "./turso-driver.js";
import { isTursoDsn, parseTursoDsn, TURSO_DSN_FORMS } from "./turso-dsn.js";

/** What Turso can do: one process per database file (the engine locks the file); no server round trips. */
export const TURSO_CAPABILITIES: StoreCapabilities = Object.freeze({
  backendName: "turso",
  processesPerDatabase: "one",
  listenNotify: false,
  networkRoundTrips: false,
});

export const TURSO_BACKEND: BackendDefinition<"turso"> = {
  kind: "turso",
  label: "Turso",
  dsnForms: TURSO_DSN_FORMS,
  driver: TURSO_DRIVER,
  capabilities: TURSO_CAPABILITIES,
  acceptsPool: false,
  matchesDsn: isTursoDsn,
  parseDsn: (dsn) => ({ kind: "turso", file: parseTursoDsn(dsn).path }),
  async open({ config }) {
    const { createTursoBackend } = await import("./turso-store.js");
    return createTursoBackend({ path: parseTursoDsn(config.dsn).path });
  },
};
