/**
 * A failing database read gives a generic 500 page: it names no database user, host, port or database (anyone who
 * can load a page would learn them); the details go to the server's log. Reproduced as in the review: the
 * dashboard's role loses LOGIN while the dashboard runs, so the next connection fails.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { dropSchema, freshDatabase, postgresDsn, uniqueName } from "../support/backends.js";

describe("dashboard error page (postgres)", () => {
  const role = uniqueName("dash_role");
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: postgresDsn() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it("shows no database user, host or database, and logs the details", async () => {
    const { dsn, schema } = freshDatabase("postgres");
    const owner = await pgqrs.connect(dsn, { schema });
    cleanups.push(
      () => dropSchema(schema),
      () => owner.close(),
    );
    await pgqrs.admin(owner).install();
    await admin(`CREATE ROLE ${role} LOGIN`);
    cleanups.push(() => admin(`DROP OWNED BY ${role}; DROP ROLE ${role}`));
    await admin(
      `GRANT USAGE ON SCHEMA "${schema}" TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`,
    );

    const url = new URL(dsn);
    url.username = role;
    const view = await pgqrs.connect(url.toString(), { schema });
    cleanups.push(() => view.close());
    const logged: string[] = [];
    const dashboard = await startDashboard({ store: view, host: "127.0.0.1", port: 0, log: (l) => logged.push(l) });
    cleanups.push(() => dashboard.close());
    expect((await fetch(`${dashboard.url}workers`)).status).toBe(200);

    await admin(`ALTER ROLE ${role} NOLOGIN`);
    await admin(
      `SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = '${role}'`,
    );
    const res = await fetch(`${dashboard.url}workers`);
    const body = await res.text();
    expect(res.status).toBe(500);
    expect(body).toContain("Something went wrong");
    for (const secret of [role, url.hostname, url.port, url.pathname.slice(1), schema, "CONNECTION_FAILED"]) {
      expect(body, secret).not.toContain(secret);
    }
    expect(logged.join("\n")).toContain(role);
    expect(logged.join("\n")).toContain("GET /workers");
  });
});
