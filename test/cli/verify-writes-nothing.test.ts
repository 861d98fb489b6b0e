/**
 * `pgqrs verify` writes nothing (DECISIONS §13), and neither do the read commands: on SQLite (and Turso, which
 * shares its file format) they create no file at a mistyped path, and on SQLite they leave an existing file
 * byte-identical, journal mode included. `install` still creates the
 * file and puts it in WAL mode.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshSqlitePath } from "../support/backends.js";
import { expectUntouched, foreignDatabase, journalMode } from "../support/sqlite-files.js";
import { assertBuilt, runCli } from "./cli-harness.js";

beforeAll(() => {
  assertBuilt();
});

describe("pgqrs verify and the read commands on SQLite", () => {
  it("fail verify on a rollback-journal file that is not pgqrs's, leaving it byte-identical", async () => {
    const path = foreignDatabase();
    const before = readFileSync(path);

    const r = await runCli(["verify", "--dsn", `sqlite://${path}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Schema check failed");
    const list = await runCli(["queue", "list", "--json", "--dsn", `sqlite://${path}`]);
    expect(list.code).toBe(1);
    expect((JSON.parse(list.stdout) as { error: { code: string } }).error.code).toBe("SCHEMA_NOT_INSTALLED");

    expectUntouched(path, before);
  });

  it.each(["sqlite", "turso"])("create no file at a path that does not exist (%s://)", async (scheme) => {
    const path = freshSqlitePath();
    const dsn = `${scheme}://${path}`;
    const verify = await runCli(["verify", "--json", "--dsn", dsn]);
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: false });
    expect((JSON.parse(verify.stdout) as { message: string }).message).toContain(path);
    for (const command of [["queue", "list"], ["stats"]]) {
      const r = await runCli([...command, "--json", "--dsn", dsn]);
      expect(r.code).toBe(1);
      const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("SCHEMA_NOT_INSTALLED");
      expect(error.message).toContain("the database file does not exist");
    }
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dirname(path))).toEqual([]);
  });

  it("install still creates the file in WAL mode, and verify then passes without changing it", async () => {
    const path = freshSqlitePath();
    const dsn = `sqlite://${path}`;
    expect((await runCli(["install", "--dsn", dsn])).code).toBe(0);
    expect(journalMode(path)).toBe("wal");
    const before = readFileSync(path);
    const r = await runCli(["verify", "--dsn", dsn]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Schema OK");
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
