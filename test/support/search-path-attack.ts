/**
 * The database of the search-path shadowing tests (CVE-2018-1058 pattern), PostgreSQL only: a fresh database where a
 * hostile role with CREATE on `public` (the default before PostgreSQL 15, kept by upgraded databases) has put the
 * shadows of search-path-shadow-operators.ts and search-path-shadow-functions.ts in `public`, each recording
 * `current_user` in a loot table when it runs; the roles that own and use pgqrs there; and the loot. Used by
 * test/store/postgres-search-path-coverage.test.ts and test/store/postgres-search-path-runs.test.ts.
 */
import pg from "pg";
import { afterAll, beforeAll, expect } from "vitest";
import { postgresDsn, uniqueName } from "./backends.js";
import { functionShadowsSql } from "./search-path-shadow-functions.js";
import {
  BUILTIN_TYPES,
  ENUM_SHADOW_TRIGGER_SQL,
  LOOT_SQL,
  SHADOW_OPERATORS_FUNCTION,
} from "./search-path-shadow-operators.js";

/** The test cluster's DSN for `role` on `database` (trust auth). */
export function dsn(role: string, database: string): string {
  const url = new URL(postgresDsn());
  url.username = role;
  url.password = "";
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `text` as `role` on `database`, on a connection of its own. */
export async function sql(role: string, database: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: dsn(role, database) });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** The attacked database and its roles, named after `tag`, and what its shadows recorded. */
export interface ShadowedDatabase {
  tag: string;
  DB: string;
  ATTACKER: string;
  OWNER: string;
  WORKER: string;
  loot(): Promise<string[]>;
}

/**
 * Creates, in `beforeAll` of the calling file, the database, its roles and the shadows, and checks that the attack
 * works; drops the database and the roles in `afterAll`.
 */
export function shadowedDatabase(): ShadowedDatabase {
  const tag = uniqueName("sp").toLowerCase();
  const DB = `pgqrs_${tag}`;
  const ATTACKER = `${tag}_attacker`;
  const OWNER = `${tag}_owner`;
  const WORKER = `${tag}_worker`;

  /** What the shadows recorded: `role: shadow` once per distinct pair. */
  async function loot(): Promise<string[]> {
    const r = await sql("postgres", DB, "SELECT DISTINCT who, what FROM public.pgqrs_loot ORDER BY what, who");
    return r.rows.map((row: { who: string; what: string }) => `${row.who}: ${row.what}`);
  }

  const adminDb = new URL(postgresDsn()).pathname.slice(1);

  beforeAll(async () => {
    await sql("postgres", adminDb, `CREATE DATABASE ${DB}`);
    for (const role of [ATTACKER, OWNER, WORKER]) await sql("postgres", adminDb, `CREATE ROLE ${role} LOGIN`);
    await sql(
      "postgres",
      DB,
      `GRANT CREATE ON DATABASE ${DB} TO ${OWNER};
     GRANT CREATE ON SCHEMA public TO ${ATTACKER};  -- what every role had before PostgreSQL 15`,
    );
    await sql(ATTACKER, DB, LOOT_SQL);
    await sql(ATTACKER, DB, functionShadowsSql());
    await sql(ATTACKER, DB, SHADOW_OPERATORS_FUNCTION);
    const made = await sql(
      ATTACKER,
      DB,
      `SELECT public.pgqrs_shadow_operators(ARRAY[${BUILTIN_TYPES.map((t) => `'${t.replaceAll("'", "''")}'`).join(", ")}]) AS n`,
    );
    expect(Number(made.rows[0].n)).toBeGreaterThan(100);
    await sql("postgres", DB, ENUM_SHADOW_TRIGGER_SQL);
    // The attack works: a shadow wins where pg_catalog has no exact match, and records who ran it.
    await sql(WORKER, DB, "SELECT count(x) FROM unnest(ARRAY[1, 2]::bigint[]) AS t(x)");
    expect(await loot()).toEqual([`${WORKER}: aggregate count(bigint)`, `${WORKER}: setof unnest(bigint[])`]);
    await sql("postgres", DB, "TRUNCATE public.pgqrs_loot");
  }, 180_000);

  afterAll(async () => {
    await sql("postgres", adminDb, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    for (const role of [ATTACKER, OWNER, WORKER]) await sql("postgres", adminDb, `DROP ROLE IF EXISTS ${role}`);
  });

  return { tag, DB, ATTACKER, OWNER, WORKER, loot };
}
