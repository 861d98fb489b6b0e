/**
 * Opening a SQLite file that another process is opening, writing and closing in a loop. The peer's WAL recovery
 * at open and its checkpoint at last close hold an exclusive lock for a moment; `connect()` must wait that out
 * however short the user's busy timeout, because opening is not a statement the user tuned.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { SqliteConnection } from "../../src/store/sqlite/sqlite-connection.js";
import { freshSqlitePath } from "../support/backends.js";
import { kill9, spawnFixture } from "../support/child.js";

describe("connect() to a SQLite file a churning peer process opens, writes and closes", () => {
  const file = freshSqlitePath();
  const dsn = `sqlite://${file}`;
  let peer: ChildProcess;

  beforeAll(async () => {
    const setup = await pgqrs.connect(dsn);
    await pgqrs.admin(setup).install();
    await setup.close();
    ({ child: peer } = await spawnFixture<{ ready: boolean }>("test/fixtures/sqlite-churn-peer.ts", [file]));
  });
  afterAll(async () => {
    await kill9(peer);
  });

  it("opens every time with busyTimeoutMs: 1", async () => {
    const failures: string[] = [];
    const OPENS = 400;
    for (let i = 0; i < OPENS; i++) {
      try {
        const store = await pgqrs.connect(dsn, { sqlite: { busyTimeoutMs: 1 } });
        await store.close();
      } catch (err) {
        failures.push(err instanceof pgqrs.PgqrsError ? `${err.code}: ${err.message}` : String(err));
      }
    }
    expect(peer.exitCode).toBeNull();
    expect(failures).toEqual([]);
  }, 120_000);

  it("applies the user's busy timeout to the statements after the open", () => {
    for (const busyTimeoutMs of [1, 0, 12_345]) {
      const conn = new SqliteConnection({ path: file, useWal: true, busyTimeoutMs });
      try {
        expect(conn.get<{ timeout: number }>("PRAGMA busy_timeout")).toEqual({ timeout: busyTimeoutMs });
      } finally {
        conn.close();
      }
    }
  });
});
