/**
 * The Postgres connection's kept client (src/store/postgres/postgres-client-leases.ts), against a real server:
 * statements one at a time run on one session kept between them; overlapping ones take more clients from the pool
 * and give them back; a kept session killed while idle is replaced without an error for the next statement; a
 * session killed under a statement fails that statement only; closing ends the pool, also with a statement in
 * flight; a user-supplied pool keeps nothing checked out.
 */
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { PostgresConnection } from "../../src/store/postgres/postgres-connection.js";
import { postgresDsn } from "../support/backends.js";

const pools: pg.Pool[] = [];

function connection(ownsPool = true, max = 4): { conn: PostgresConnection; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: postgresDsn(), max, connectionTimeoutMillis: 20_000 });
  pool.on("error", () => undefined);
  pools.push(pool);
  return { conn: new PostgresConnection({ pool, ownsPool, schema: "public", target: "test" }), pool };
}

const pid = async (conn: PostgresConnection, sleepSeconds = 0): Promise<number> => {
  const [row] = await conn.query<{ pid: number }>(
    "pid",
    "SELECT pg_backend_pid() AS pid, pg_sleep($1::float8) AS slept",
    [sleepSeconds],
  );
  return Number(row?.pid);
};

async function terminate(backendPid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: postgresDsn() });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend($1)", [backendPid]);
  } finally {
    await admin.end();
  }
}

afterAll(async () => {
  await Promise.all(pools.map((p) => (p.ended ? undefined : p.end().catch(() => undefined))));
});

describe("kept client of an owned pool (postgres)", () => {
  it("statements one at a time share one session, held between them", async () => {
    const { conn, pool } = connection();
    const pids = [await pid(conn), await pid(conn), await conn.prepared("p", "SELECT pg_backend_pid() AS pid", [])];
    const first = pids[0];
    expect(pids[1]).toBe(first);
    expect(Number((pids[2] as { pid: number }[])[0]?.pid)).toBe(first);
    expect(pool.totalCount).toBe(1);
    expect(pool.idleCount).toBe(0);
    await conn.close();
    expect(pool.ended).toBe(true);
  });

  it("overlapping statements take more clients and give all but the kept one back", async () => {
    const { conn, pool } = connection();
    const pids = await Promise.all([pid(conn, 0.2), pid(conn, 0.2), pid(conn, 0.2)]);
    expect(new Set(pids).size).toBe(3);
    expect(pool.totalCount).toBe(3);
    expect(pool.idleCount).toBe(2);
    const again = await pid(conn);
    expect(pids).toContain(again);
    await conn.close();
  });

  it("a pool of one serves overlapping statements: the kept client goes back to the pool for the one waiting", async () => {
    const { conn, pool } = connection(true, 1);
    const first = await pid(conn);
    const pids = await Promise.all([pid(conn, 0.05), pid(conn, 0.05), pid(conn), conn.query("q", "SELECT 1")]);
    expect(pids.slice(0, 3)).toEqual([first, first, first]);
    expect(pool.totalCount).toBe(1);
    expect(pool.waitingCount).toBe(0);
    await conn.close();
  });

  it("a kept session killed while idle is dropped: the next statement runs on a new one", async () => {
    const { conn, pool } = connection();
    const before = await pid(conn);
    await terminate(before);
    await vi.waitFor(() => expect(pool.totalCount).toBe(0), { timeout: 10_000, interval: 20 });
    const after = await pid(conn);
    expect(after).not.toBe(before);
    expect(pool.totalCount).toBe(1);
    await conn.close();
  });

  it("a session killed under a statement fails that statement only, and is not kept", async () => {
    const { conn } = connection();
    const victim = await pid(conn);
    // Settled into a value at once, so the rejection is never unhandled while the test waits.
    const running = pid(conn, 5).then(
      () => "finished",
      (err: unknown) => err,
    );
    await vi.waitFor(
      async () => {
        const admin = new pg.Client({ connectionString: postgresDsn() });
        await admin.connect();
        try {
          const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [
            victim,
          ]);
          expect(rows.length).toBe(1);
        } finally {
          await admin.end();
        }
      },
      { timeout: 10_000, interval: 20 },
    );
    await terminate(victim);
    expect(await running).toMatchObject({ code: "CONNECTION_FAILED" });
    expect(await pid(conn)).not.toBe(victim);
    await conn.close();
  });

  it("closing with a statement in flight lets it finish, then ends the pool", async () => {
    const { conn, pool } = connection();
    await pid(conn);
    const running = pid(conn, 0.2);
    const closing = conn.close();
    expect(await running).toBeGreaterThan(0);
    await closing;
    expect(pool.ended).toBe(true);
    await expect(pid(conn)).rejects.toMatchObject({ code: "STORE_CLOSED" });
  });

  it("a user-supplied pool keeps nothing checked out", async () => {
    const { conn, pool } = connection(false);
    await pid(conn);
    expect(pool.totalCount).toBe(1);
    expect(pool.idleCount).toBe(1);
    await conn.close();
    expect(pool.ended).toBe(false);
    await pool.end();
  });
});
