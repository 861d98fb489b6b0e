/**
 * A store opened, or a worker created, while PostgreSQL is down or restarting waits for it within
 * `connectionTimeoutSeconds` instead of failing at once (issue 14 item 18). Runs a cluster of its own on a separate
 * port (never the shared one: it is stopped and started here), removed after the file.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { admin, connect, PgqrsError, type Store } from "../../src/index.js";
import { isTransientConnectFailure } from "../../src/store/postgres/postgres-connect-retry.js";
import { connectionError } from "../../src/store/postgres/postgres-errors.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const BIN = join(
  "/usr/lib/postgresql",
  readdirSync("/usr/lib/postgresql")
    .sort((a, b) => Number(a) - Number(b))
    .at(-1) ?? "15",
  "bin",
);
const PORT = 54_500 + (process.pid % 400);
const DATA = mkdtempSync(join(tmpdir(), "pgqrs-retry-pg-"));
const DSN = `postgresql://postgres@127.0.0.1:${PORT}/postgres`;
const asRoot = process.getuid?.() === 0;

function pgCtl(...args: string[]): void {
  const cmd = join(BIN, "pg_ctl");
  execFileSync(asRoot ? "runuser" : cmd, asRoot ? ["-u", "postgres", "--", cmd, ...args] : args, { stdio: "ignore" });
}
const startServer = () => pgCtl("-D", DATA, "-l", join(DATA, "server.log"), "-w", "-t", "60", "start");
const stopServer = () => pgCtl("-D", DATA, "-m", "fast", "-w", "stop");

/** True once a plain client is refused: the server is really down. */
async function refused(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DSN });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return false;
  } catch (err) {
    return (err as { code?: string }).code === "ECONNREFUSED";
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Resolves when the next attempt of any pool to obtain a connection fails: the call under test has met the server
 * down (an event, not a timing guess).
 */
function nextRefusedAttempt(): Promise<void> {
  const original = pg.Pool.prototype.connect as (this: pg.Pool) => Promise<pg.PoolClient>;
  return new Promise((resolve) => {
    const spy = vi.spyOn(pg.Pool.prototype, "connect").mockImplementation(function (this: pg.Pool) {
      const attempt = original.call(this);
      attempt.catch(() => {
        spy.mockRestore();
        resolve();
      });
      return attempt;
    } as typeof pg.Pool.prototype.connect);
  });
}

beforeAll(() => {
  if (asRoot) chownSync(DATA, Number(execFileSync("id", ["-u", "postgres"]).toString()), 0);
  const initdb = join(BIN, "initdb");
  const args = ["-D", DATA, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"];
  execFileSync(asRoot ? "runuser" : initdb, asRoot ? ["-u", "postgres", "--", initdb, ...args] : args, {
    stdio: "ignore",
  });
  const conf = `listen_addresses = '127.0.0.1'\nport = ${PORT}\nunix_socket_directories = '${DATA}'\nfsync = off\n`;
  appendFileSync(join(DATA, "postgresql.conf"), conf);
});

afterAll(() => {
  try {
    pgCtl("-D", DATA, "-m", "immediate", "stop");
  } catch {
    // not running
  }
  rmSync(DATA, { recursive: true, force: true });
});

describe("connecting while PostgreSQL is down or restarting", () => {
  it("connect() issued while the server is down succeeds once the server has started", async () => {
    expect(await refused()).toBe(true);
    const refusal = nextRefusedAttempt();
    const connecting = connect(DSN, { schema: "retry_a", connectionTimeoutSeconds: 60 });
    await refusal;
    startServer();
    const store = await connecting;
    try {
      await admin(store).install();
      expect(await store.queue("after_start")).toMatchObject({ queueName: "after_start" });
    } finally {
      await store.close();
    }
  });

  it("creating a worker while the server restarts waits for it", async () => {
    const store: Store = await connect(DSN, { schema: "retry_b", connectionTimeoutSeconds: 60 });
    try {
      await admin(store).install();
      await store.queue("jobs");
      stopServer();
      expect(await refused()).toBe(true);
      const refusal = nextRefusedAttempt();
      const creating = store.consumer("jobs", "restart-survivor");
      await refusal;
      startServer();
      const consumer = await creating;
      expect(consumer.queue.queueName).toBe("jobs");
      expect(await consumer.status()).toBe("ready");
    } finally {
      await store.close();
    }
  });

  it("fails with CONNECTION_FAILED within connectionTimeoutSeconds when the server never comes", async () => {
    stopServer();
    expect(await refused()).toBe(true);
    const started = Date.now();
    let caught: unknown;
    try {
      await connect(DSN, { schema: "retry_c", connectionTimeoutSeconds: 1 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PgqrsError);
    const err = caught as PgqrsError;
    expect(err.code).toBe("CONNECTION_FAILED");
    expect(err.details.attempts).toBeGreaterThan(1);
    expect(err.details.retriedForMs).toBeGreaterThanOrEqual(1000);
    // Gave up soon after the timeout, never waiting on indefinitely.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("which connect failures are retried", () => {
  const failure = (code: string) => connectionError(Object.assign(new Error(code), { code }), "db (schema s)");

  it.each(["ECONNREFUSED", "ECONNRESET", "57P03", "57P01", "57P02", "53300", "08006"])("%s is retried", (code) => {
    expect(isTransientConnectFailure(failure(code))).toBe(true);
  });

  it.each(["28P01", "28000", "3D000", "ENOTFOUND", "08P01"])("%s fails at once", (code) => {
    expect(isTransientConnectFailure(failure(code))).toBe(false);
  });

  it("a statement that failed after its connection was obtained is never retried", () => {
    const err = new PgqrsError("CONNECTION_FAILED", "x", { details: { operation: "registerWorker", code: "57P01" } });
    expect(isTransientConnectFailure(err)).toBe(false);
  });
});
