/** StoreBackend instances for the backend-level tests: a fresh SQLite file, and a fresh Postgres schema. */
import { afterAll, beforeAll } from "vitest";
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

let epoch = 0;

/** A fresh stretch of time per test (one simulated day each), so tests never share a `now`. */
export function testClock(): (ms?: number) => Date {
  epoch += 1;
  const base = Date.parse("2026-01-01T00:00:00.000Z") + epoch * 86_400_000;
  return (ms = 0) => new Date(base + ms);
}

/** Open the factory's backend for one test file (installed), closed and dropped after the file's tests. */
export function useBackend(factory: BackendFactory): () => StoreBackend {
  let backend: StoreBackend | undefined;
  let cleanup: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const opened = await factory.open();
    backend = opened.backend;
    cleanup = opened.cleanup;
    await backend.install();
  });
  afterAll(async () => {
    await backend?.close();
    await cleanup();
  });
  return () => {
    if (backend === undefined) throw new Error("the backend is opened in beforeAll");
    return backend;
  };
}
