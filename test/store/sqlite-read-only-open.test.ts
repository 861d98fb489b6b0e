/**
 * A SQLite store opens its file read-only until its first write (DECISIONS §13: `verify()` writes nothing): reads and
 * `verify()` neither create a missing file nor change an existing one, not even its journal mode; the first write
 * opens the file read-write as before, creating it and setting the journal mode. Reading stays live while another
 * process writes the WAL database.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { SqliteConnection } from "../../src/store/sqlite/sqlite-connection.js";
import { freshSqlitePath } from "../support/backends.js";
import { kill9, spawnFixture } from "../support/child.js";
import { expectUntouched, foreignDatabase, journalMode } from "../support/sqlite-files.js";
import { errorCode, thrown } from "../support/stores.js";

describe("a SQLite store before its first write", () => {
  const peers: ChildProcess[] = [];
  afterEach(async () => {
    for (const peer of peers.splice(0)) await kill9(peer);
  });

  it("reads a missing file as uninstalled and creates nothing; install then creates it in WAL mode", async () => {
    const path = freshSqlitePath();
    const store = await pgqrs.connect(`sqlite://${path}`);
    const admin = pgqrs.admin(store);
    const verifyError = await thrown(() => admin.verify());
    expect(verifyError.code).toBe("SCHEMA_VALIDATION");
    expect(verifyError.message).toContain(`there is no SQLite database file '${path}'`);
    const listError = await thrown(() => admin.listQueues());
    expect(listError.code).toBe("SCHEMA_NOT_INSTALLED");
    expect(listError.message).toContain("the database file does not exist");
    expect(await errorCode(() => admin.systemStats())).toBe("SCHEMA_NOT_INSTALLED");
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dirname(path))).toEqual([]);

    await admin.install();
    expect(existsSync(path)).toBe(true);
    expect(journalMode(path)).toBe("wal");
    await admin.verify();
    await store.close();
  });

  it("fails verify on a rollback-journal file that is not pgqrs's and leaves it byte-identical", async () => {
    const path = foreignDatabase();
    const before = readFileSync(path);
    const store = await pgqrs.connect(`sqlite://${path}`);
    expect(await errorCode(() => pgqrs.admin(store).verify())).toBe("SCHEMA_VALIDATION");
    expect(await errorCode(() => pgqrs.admin(store).listQueues())).toBe("SCHEMA_NOT_INSTALLED");
    await store.close();
    expectUntouched(path, before);
  });

  it("reads an installed rollback-journal file without changing it; its first write switches it to WAL", async () => {
    const path = freshSqlitePath();
    const dsn = `sqlite://${path}`;
    const setup = await pgqrs.connect(dsn, { sqlite: { useWal: false } });
    await pgqrs.admin(setup).install();
    await pgqrs.admin(setup).createQueue("jobs");
    await (await setup.producer("jobs")).enqueue({ n: 1 });
    await setup.close();
    const before = readFileSync(path);

    const store = await pgqrs.connect(dsn);
    const admin = pgqrs.admin(store);
    await admin.verify();
    expect(await admin.systemStats()).toMatchObject({ totalQueues: 1, totalMessages: 1 });
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(journalMode(path)).toBe("delete");

    await admin.createQueue("later");
    expect((await admin.listQueues()).map((q) => q.queueName)).toContain("later");
    expect(journalMode(path)).toBe("wal");
    await store.close();
  });

  it("rejects with STORE_CLOSED after close even if it never opened the file", async () => {
    const path = freshSqlitePath();
    const store = await pgqrs.connect(`sqlite://${path}`);
    await store.close();
    expect(await errorCode(() => pgqrs.admin(store).listQueues())).toBe("STORE_CLOSED");
    expect(await errorCode(() => pgqrs.admin(store).install())).toBe("STORE_CLOSED");
    expect(existsSync(path)).toBe(false);
  });

  it("reads a live WAL database another process is writing, and sees its commits", async () => {
    const path = freshSqlitePath();
    const dsn = `sqlite://${path}`;
    const setup = await pgqrs.connect(dsn);
    await pgqrs.admin(setup).install();
    await pgqrs.admin(setup).createQueue("live");
    await setup.close();
    // Closed cleanly: SQLite checkpointed and removed the -wal and -shm files, which the reader has to do without.
    expect(readdirSync(dirname(path))).toEqual([basename(path)]);
    const { child } = await spawnFixture<{ ready: boolean }>("test/fixtures/sqlite-live-enqueuer.ts", [dsn, "live"]);
    peers.push(child);

    const reader = await pgqrs.connect(dsn);
    const admin = pgqrs.admin(reader);
    const first = (await admin.systemStats()).totalMessages;
    expect(first).toBeGreaterThan(0);
    let latest = first;
    const deadline = Date.now() + 10_000;
    while (latest <= first + 20 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      await admin.verify();
      latest = (await admin.systemStats()).totalMessages;
    }
    expect(latest).toBeGreaterThan(first + 20);
    expect(child.exitCode).toBeNull();
    await reader.close();
    expect(journalMode(path)).toBe("wal");
  }, 30_000);
});

describe("SqliteConnection with readOnly", () => {
  it("does not create a missing file", () => {
    const path = freshSqlitePath();
    expect(() => new SqliteConnection({ path, useWal: true, busyTimeoutMs: 100, readOnly: true })).toThrow(
      /unable to open database file/,
    );
    expect(existsSync(path)).toBe(false);
  });
});
