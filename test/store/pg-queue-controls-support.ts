/**
 * Helpers of the PostgreSQL queue-controls tests: several stores (each its own pool, so its own connections) on one
 * fresh schema, a raw client beside them, and a wait for statements blocked on a lock (how the race tests line up
 * their contenders: an outside transaction holds the contested lock until every contender waits on it).
 */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";

export interface PgStores {
  /** `count` stores on the schema (the first installed it). */
  all: StoreBackend[];
  /** A plain client on the database, outside every store. */
  raw: pg.Client;
  schema: string;
  /** `<schema>.<table>`, quoted. */
  t(table: string): string;
}

/** Open `count` stores of `maxConnections` each on one fresh schema for the file's tests. */
export function usePgStores(count: number, maxConnections = 8): () => PgStores {
  const schema = uniqueName("pgqc");
  let opened: PgStores | undefined;
  beforeAll(async () => {
    const all: StoreBackend[] = [];
    for (let i = 0; i < count; i++) {
      all.push(
        await createPostgresBackend({
          connectionString: postgresDsn(),
          schema,
          maxConnections,
          connectionTimeoutMs: 10_000,
        }),
      );
    }
    await all[0]?.install();
    const raw = new pg.Client({ connectionString: postgresDsn() });
    await raw.connect();
    opened = { all, raw, schema, t: (table) => `"${schema}"."${table}"` };
  });
  afterAll(async () => {
    for (const b of opened?.all ?? []) await b.close();
    await opened?.raw.end();
    await dropSchema(schema);
  });
  return () => {
    if (opened === undefined) throw new Error("opened in beforeAll");
    return opened;
  };
}

/** A client of its own (an application's connection). */
export async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: postgresDsn() });
  await c.connect();
  return c;
}

/**
 * Resolve once at least `count` statements naming `schema` (other test files share the cluster) wait for a lock
 * (a row, a transaction id, an advisory lock). Polls pg_stat_activity: each poll is one round trip, no timer.
 */
export async function lockWaiters(raw: pg.Client, count: number, schema: string): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    const r = await raw.query(
      `SELECT pg_catalog.count(*) AS n FROM pg_catalog.pg_stat_activity
        WHERE wait_event_type = 'Lock' AND pid <> pg_catalog.pg_backend_pid()
          AND pg_catalog.strpos(query, $1) > 0`,
      [schema],
    );
    if (Number(r.rows[0].n) >= count) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`fewer than ${count} statements ever waited for a lock`);
}

let epoch = 0;

/** A fresh stretch of time per test (a simulated day each). */
export function clockFrom(): (ms?: number) => Date {
  epoch += 1;
  const base = Date.parse("2026-03-01T00:00:00.000Z") + epoch * 86_400_000;
  return (ms = 0) => new Date(base + ms);
}

/** Enqueue `n` plain JSON payloads `{ i }` (ids in order). */
export async function put(
  b: StoreBackend,
  queueId: number,
  n: number,
  at: Date,
  extra: { priority?: number; groupKey?: string } = {},
): Promise<number[]> {
  const rows = await b.enqueue({
    queueId,
    payloads: Array.from({ length: n }, (_, i) => JSON.stringify({ i })),
    producerWorkerId: null,
    enqueuedAt: at,
    visibleAt: at,
    ...extra,
  });
  return rows.map((r) => r.id);
}

/** Register `n` workers of the queue. */
export async function workers(b: StoreBackend, queueId: number, n: number, now: Date): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await b.registerWorker({ name: uniqueName("w"), queueId, now })).id);
  return ids;
}
