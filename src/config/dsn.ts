import { PgqrsError } from "../errors.js";
import { maskDsn } from "./dsn-mask.js";
import { acceptedDsnForms, type BackendKind, findBackend } from "../store/backend-registry.js";

export type { BackendKind } from "../store/backend-registry.js";
export { sqlitePathFromDsn } from "../store/sqlite/sqlite-dsn.js";
export { dsnSecrets, maskDsn, scrubSecrets } from "./dsn-mask.js";

/**
 * Which registered backend a DSN names, by its scheme; INVALID_CONFIG listing every accepted form otherwise. (The
 * backend's own `parseDsn` refuses a malformed DSN of its scheme when connecting.)
 */
export function detectBackend(dsn: string): BackendKind {
  const backend = findBackend(dsn);
  if (backend === undefined) {
    throw new PgqrsError(
      "INVALID_CONFIG",
      `Invalid configuration value for dsn: Unsupported DSN format: ${maskDsn(dsn)}. Accepted forms: ${acceptedDsnForms()}`,
      { details: { field: "dsn" } },
    );
  }
  return backend.kind;
}
