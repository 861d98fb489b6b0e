/**
 * The rights install() needs on PostgreSQL (issue 14 item 6, docs/security.md "Rights install() needs"), with real
 * roles: a schema owner without CREATE on the database installs and upgrades; a role with only the worker grants
 * can call install() at start when nothing is pending, and is refused (writing nothing) when something is.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { postgresDsn, uniqueName } from "../support/backends.js";
import { thrown } from "../support/stores.js";

const OWNER = uniqueName("rights_owner").toLowerCase();
const WORKER = uniqueName("rights_worker").toLowerCase();
const schemas: string[] = [];
const stores: pgqrs.Store[] = [];

async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: postgresDsn() });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const database = (): string => new URL(postgresDsn()).pathname.slice(1);

function dsnAs(role: string): string {
  const url = new URL(postgresDsn());
  url.username = role;
  url.password = "";
  return url.toString();
}

async function storeAs(role: string, schema: string): Promise<pgqrs.Store> {
  const store = await pgqrs.connect(dsnAs(role), { schema });
  stores.push(store);
  return store;
}

async function versions(schema: string): Promise<number[]> {
  const rows = await sql<{ version: number }>(`SELECT version FROM "${schema}".pgqrs_migrations ORDER BY version`);
  return rows.map((r) => r.version);
}

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  for (const schema of schemas) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  for (const role of [OWNER, WORKER]) {
    await sql(`DROP OWNED BY ${role}`).catch(() => undefined);
    await sql(`DROP ROLE IF EXISTS ${role}`);
  }
});

describe("install() rights on PostgreSQL", () => {
  it("a schema owner without CREATE on the database installs, re-installs and upgrades", async () => {
    await sql(`CREATE ROLE ${OWNER} LOGIN`);
    await sql(`GRANT CONNECT ON DATABASE "${database()}" TO ${OWNER}`);
    const [can] = await sql<{ create: boolean }>("SELECT has_database_privilege($1, $2, 'CREATE') AS create", [
      OWNER,
      database(),
    ]);
    expect(can?.create).toBe(false);
    const schema = uniqueName("rights");
    schemas.push(schema);
    await sql(`CREATE SCHEMA "${schema}" AUTHORIZATION ${OWNER}`);

    const store = await storeAs(OWNER, schema);
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).verify();
    const all = await versions(schema);
    expect(all.length).toBeGreaterThanOrEqual(6);

    // An upgrade: the newest migration is pending again.
    await sql(`DELETE FROM "${schema}".pgqrs_migrations WHERE version = $1`, [all.at(-1)]);
    await pgqrs.admin(store).install();
    expect(await versions(schema)).toEqual(all);

    // Without a schema, install() must create one, which takes CREATE on the database.
    const missing = uniqueName("rights_missing");
    const err = await thrown(() => storeAs(OWNER, missing).then((s) => pgqrs.admin(s).install()));
    expect(err.code).toBe("QUERY_FAILED");
    expect(err.message).toMatch(/permission denied for database/);
  });

  it("a role with only the worker grants: install() succeeds when nothing is pending, is refused otherwise", async () => {
    const schema = uniqueName("rights_dml");
    schemas.push(schema);
    const owner = await pgqrs.connect(postgresDsn(), { schema });
    stores.push(owner);
    await pgqrs.admin(owner).install();
    // The grants docs/security.md gives a worker role.
    await sql(`CREATE ROLE ${WORKER} LOGIN`);
    await sql(`GRANT CONNECT ON DATABASE "${database()}" TO ${WORKER}`);
    await sql(`GRANT USAGE ON SCHEMA "${schema}" TO ${WORKER}`);
    await sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${WORKER}`);
    await sql(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${WORKER}`);

    const worker = await storeAs(WORKER, schema);
    await pgqrs.admin(worker).install();
    await pgqrs.admin(worker).verify();
    await pgqrs.admin(worker).createQueue("jobs");

    const all = await versions(schema);
    await sql(`DELETE FROM "${schema}".pgqrs_migrations WHERE version = $1`, [all.at(-1)]);
    const err = await thrown(() => pgqrs.admin(worker).install());
    expect(err.code).toBe("QUERY_FAILED");
    expect(err.message).toMatch(/must be owner|permission denied/);
    expect(await versions(schema)).toEqual(all.slice(0, -1));
    await pgqrs.admin(owner).install();
    expect(await versions(schema)).toEqual(all);
  });
});
