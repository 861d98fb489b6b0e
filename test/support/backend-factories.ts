/** StoreBackend instances for the backend-level tests: a fresh SQLite file, and a fresh Postgres schema. */
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import { dropSchema, freshSqlitePath, postgresDsn, uniqueName } from "./backends.js";

export interface BackendFactory {
  name: "sqlite" | "postgres";
  open(): Promise<{ backend: StoreBackend; cleanup(): Promise<void> }>;
}

/** Both backends, always: a missing PGQRS_TEST_DSN fails loudly instead of silently testing SQLite alone. */
export const BACKEND_FACTORIES: readonly BackendFactory[] = [
  {
    name: "sqlite",
    open: async () => ({
      backend: createSqliteBackend({ path: freshSqlitePath(), useWal: true, busyTimeoutMs: 5_000 }),
      cleanup: async () => undefined,
    }),
  },
  {
    name: "postgres",
    open: async () => {
      const schema = uniqueName("backend");
      const backend = await createPostgresBackend({
        connectionString: postgresDsn(),
        schema,
        maxConnections: 5,
        connectionTimeoutMs: 5_000,
      });
      return { backend, cleanup: () => dropSchema(schema) };
    },
  },
];
