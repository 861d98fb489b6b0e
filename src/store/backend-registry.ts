/**
 * The backends pgqrs knows, in one list: adding a backend is its folder plus one line here. `connect`, `Config`'s
 * DSN checks, the CLI and the test support all read this list.
 */
import type { BackendDefinition } from "./backend-definition.js";
import { POSTGRES_BACKEND } from "./postgres/postgres-backend.js";
import { S3_BACKEND } from "./s3/s3-backend.js";
import { SQLITE_BACKEND } from "./sqlite/sqlite-backend.js";
import { TURSO_BACKEND } from "./turso/turso-backend.js";

/** Every registered backend. */
export const BACKEND_DEFINITIONS = [
  POSTGRES_BACKEND,
  SQLITE_BACKEND,
  TURSO_BACKEND,
  S3_BACKEND,
] as const satisfies readonly BackendDefinition[];

/** The kind of a registered backend: `"postgres"`, `"sqlite"`, … */
export type BackendKind = (typeof BACKEND_DEFINITIONS)[number]["kind"];

/** The backend whose DSN scheme `dsn` has, or `undefined`. */
export function findBackend(dsn: string): BackendDefinition<BackendKind> | undefined {
  return BACKEND_DEFINITIONS.find((b) => b.matchesDsn(dsn));
}

/** The registered backend of that kind, or `undefined`. */
export function backendOfKind(kind: string): BackendDefinition<BackendKind> | undefined {
  return BACKEND_DEFINITIONS.find((b) => b.kind === kind);
}

/** Every accepted DSN form, comma-separated, for error messages. */
export function acceptedDsnForms(): string {
  return BACKEND_DEFINITIONS.flatMap((b) => b.dsnForms).join(", ");
}
