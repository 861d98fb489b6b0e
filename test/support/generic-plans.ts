/**
 * Reading the plans of the store's PostgreSQL statements as a prepared statement ends up with them: generic plans
 * (`plan_cache_mode = force_generic_plan`, the parameters still symbols), on a schema with pgqrs installed.
 */
import pg from "pg";
import * as pgqrs from "../../src/index.js";
import { PostgresConnection } from "../../src/store/postgres/postgres-connection.js";
import { dropSchema, postgresDsn } from "./backends.js";

/** A schema with pgqrs installed, a connection to build the store's statements on, and a client to plan them. */
export interface PlanHarness {
  /** A connection on the schema (one session), for the statement builders. */
  readonly conn: PostgresConnection;
  /** A plain client, planning generically; set up the schema's rows through it. */
  readonly raw: pg.Client;
  /** The generic plan's text of `sql`, prepared as `name`, executed with `args` (SQL literals, one per parameter). */
  plan(name: string, sql: string, args: readonly string[]): Promise<string>;
  /** Close both sessions and drop the schema. */
  close(): Promise<void>;
}

/**
 * Install pgqrs in `schema` (then `setUp(store)`, e.g. to create a workflow) and open the harness. The client plans
 * generically from its first `plan` on, so the caller's own set-up statements before it are planned as usual.
 */
export async function openPlanHarness(
  schema: string,
  setUp: (store: pgqrs.Store) => Promise<void> = async () => undefined,
): Promise<PlanHarness> {
  const store = await pgqrs.connect(postgresDsn(), { schema });
  try {
    await pgqrs.admin(store).install();
    await setUp(store);
  } finally {
    await store.close();
  }
  const conn = new PostgresConnection({
    pool: new pg.Pool({ connectionString: postgresDsn(), max: 1 }),
    ownsPool: true,
    schema,
    target: "test",
  });
  const raw = new pg.Client({ connectionString: postgresDsn() });
  await raw.connect();
  return {
    conn,
    raw,
    async plan(name, sql, args) {
      await raw.query("SET plan_cache_mode = force_generic_plan");
      await raw.query(`PREPARE ${name} AS ${sql}`);
      try {
        const { rows } = await raw.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE ${name}(${args.join(", ")})`);
        return rows.map((r) => r["QUERY PLAN"]).join("\n");
      } finally {
        await raw.query(`DEALLOCATE ${name}`);
      }
    },
    async close() {
      await raw.end();
      await conn.close();
      await dropSchema(schema);
    },
  };
}
