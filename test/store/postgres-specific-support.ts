/**
 * Helpers of the Postgres-only backend tests (`postgres-*.test.ts` split from the former postgres-specific file):
 * stores on fresh schemas that are closed and dropped after the file, a one-off SQL client, and small fixtures.
 */
import pg from "pg";
import { afterAll } from "vitest";
import { createPostgresBackend, type PostgresBackendOptions } from "../../src/store/postgres/postgres-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, QueueRecord } from "../../src/types.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";

/** Fresh schemas and stores for one test file. */
export interface PostgresSpecificBackends {
  /** A new schema name (not created): dropped after the file's tests. */
  freshSchema(): string;
  /** A store on `schema` with its own pool (10 connections unless `extra` says otherwise), closed after the file. */
  backend(schema: string, extra?: Partial<PostgresBackendOptions>): Promise<StoreBackend>;
}

/** {@link PostgresSpecificBackends} whose stores and schemas an `afterAll` of the calling file closes and drops. */
export function usePostgresSpecificBackends(): PostgresSpecificBackends {
  const schemas: string[] = [];
  const backends: StoreBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
    for (const schema of schemas) await dropSchema(schema);
  });
  return {
    freshSchema: () => {
      const schema = uniqueName("pgspec");
      schemas.push(schema);
      return schema;
    },
    backend: async (schema, extra = {}) => {
      const b = await createPostgresBackend({
        connectionString: postgresDsn(),
        schema,
        maxConnections: 10,
        connectionTimeoutMs: 5_000,
        ...extra,
      });
      backends.push(b);
      return b;
    },
  };
}

/** The rows of one statement run on a new client of the test database. */
export async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: postgresDsn() });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new queue `name` holding one message, `{"n":1}`, visible now. */
export async function queueWithOneMessage(
  b: StoreBackend,
  name: string,
): Promise<{ q: QueueRecord; m: QueueMessage | undefined }> {
  const now = new Date();
  const q = await b.createQueue({ name, now });
  const [m] = await b.enqueue({
    queueId: q.id,
    payloads: ['{"n":1}'],
    producerWorkerId: null,
    enqueuedAt: now,
    visibleAt: now,
  });
  return { q, m };
}

/** Whether the database has a schema of that name. */
export async function schemaExists(schema: string): Promise<boolean> {
  const rows = await sql("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  return rows.length > 0;
}
