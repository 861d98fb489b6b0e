import { afterAll } from "vitest";
import { admin, type Clock, type ConfigInput, connect, ManualClock, type Store } from "../../src/index.js";
import { type BackendName, dropDatabase, freshDatabase } from "./backends.js";

export interface TestStore {
  store: Store;
  clock: ManualClock;
  dsn: string;
  schema: string;
}

/**
 * A connected, installed store on a fresh database of the backend, driven by a manual clock. Closed (and the
 * Postgres schema dropped) after the file's tests.
 */
export async function openTestStore(
  backend: BackendName,
  options: Omit<ConfigInput, "dsn"> & { clock?: Clock } = {},
): Promise<TestStore> {
  const { dsn, schema } = freshDatabase(backend);
  const clock = new ManualClock(new Date("2026-01-01T00:00:00.000Z"));
  const store = await connect(dsn, { schema, clock: options.clock ?? clock, ...options });
  await admin(store).install();
  afterAll(async () => {
    await store.close();
    await dropDatabase(backend, schema);
  });
  return { store, clock, dsn, schema };
}

/** Run `fn` and return the PgqrsError code it threw (or "none"). */
export async function errorCode(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "none";
  } catch (err) {
    return (err as { code?: string }).code ?? `non-pgqrs: ${String(err)}`;
  }
}

/** Run `fn` and return the error it threw; fails the test if it did not throw. */
export async function thrown(
  fn: () => Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error("expected the call to throw");
}
