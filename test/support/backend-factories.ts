/**
 * StoreBackend instances for the backend-level tests, opened through the backend registry's `open` (as `connect`
 * does) on a fresh database of each backend: a new file, or a new Postgres schema.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { Config } from "../../src/config.js";
import { backendOfKind } from "../../src/store/backend-registry.js";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKENDS, type BackendName, dropDatabase, freshDatabase, type SqliteOrPostgres } from "./backends.js";

export interface BackendFactory<N extends BackendName = BackendName> {
  name: N;
  open(): Promise<{ backend: StoreBackend; cleanup(): Promise<void> }>;
}

/** A factory of fresh, uninstalled backends of that kind. */
export function backendFactory<N extends BackendName>(name: N): BackendFactory<N> {
  return {
    name,
    open: async () => {
      const definition = backendOfKind(name);
      if (definition === undefined) throw new Error(`"${name}" is not a registered backend`);
      const { dsn, schema } = freshDatabase(name);
      const config = new Config({ dsn, schema, maxConnections: 5, connectionTimeoutSeconds: 5 });
      const backend = await definition.open({ config });
      return { backend, cleanup: () => dropDatabase(name, schema) };
    },
  };
}

/** The backends of {@link BACKENDS}, always: a missing PGQRS_TEST_DSN fails loudly instead of silently testing SQLite alone. */
export const BACKEND_FACTORIES: readonly BackendFactory<SqliteOrPostgres>[] = BACKENDS.map(backendFactory);

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

/**
 * A `StoreBackend` that forwards every property to the one `backend()` returns at the time of the access, so a
 * `describe` body can hold it before `beforeAll` has opened the backend (methods come bound to it).
 */
function lateBound(backend: () => StoreBackend): StoreBackend {
  return new Proxy({} as StoreBackend, {
    get(_target, prop) {
      const target = backend();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    has: (_target, prop) => Reflect.has(backend(), prop),
  });
}

/** What {@link describeEachBackend} gives its body: the factory and the file's backend (see {@link useBackend}). */
export interface BackendSuite {
  factory: BackendFactory<SqliteOrPostgres>;
  /** The backend, usable inside tests and hooks (it is opened in `beforeAll`). */
  b: StoreBackend;
  /** The backend as a function, for helpers that take one. */
  backend: () => StoreBackend;
}

/**
 * `describe.each(BACKEND_FACTORIES)(title, …)` with the factory's backend opened for the block by {@link useBackend}:
 * the boilerplate the backend-level test files (one behaviour each) would otherwise repeat at their top.
 */
export function describeEachBackend(title: string, body: (suite: BackendSuite) => void): void {
  describe.each(BACKEND_FACTORIES)(title, (factory) => {
    const backend = useBackend(factory);
    body({ factory, b: lateBound(backend), backend });
  });
}
