import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { spawnFixture } from "../support/child.js";
import { recordFigures } from "./support/fault-env.js";

const FIXTURE = "test/fixtures/sqlite-contender.ts";

async function runContender(args: string[]): Promise<{ errors: Record<string, number> }> {
  const { child } = await spawnFixture<{ ready: boolean }>(FIXTURE, args);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`contender exited with ${String(code)}: ${err}`);
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { errors: Record<string, number> };
}

describe("SQLite under contention: two processes on one database file", () => {
  it.each([
    ["WAL, 5 s busy timeout: writes serialise", 5000],
    ["WAL, 1 ms busy timeout: BUSY errors, retried, nothing lost", 1],
  ])("%s", async (_label, busyMs) => {
    const started = Date.now();
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-contention-"));
    const file = join(dir, "shared.db");
    const dsn = `sqlite://${file}`;
    const setup = await pgqrs.connect(dsn);
    await pgqrs.admin(setup).install();
    await pgqrs.admin(setup).createQueue("shared");
    await setup.close();
    const log = join(dir, "handled.log");
    const PER = 1500;
    const results = await Promise.all([
      runContender([dsn, "shared", "a", String(PER), log, String(busyMs)]),
      runContender([dsn, "shared", "b", String(PER), log, String(busyMs)]),
    ]);
    const db = new Database(file, { readonly: true });
    const integrity = db.pragma("integrity_check", { simple: true });
    const rows = db.prepare("SELECT id, json_extract(payload, '$.k') AS k, archived_at FROM pgqrs_messages").all() as {
      id: number;
      k: string;
      archived_at: string | null;
    }[];
    db.close();
    const handled = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    const ids = handled.map((l) => Number(l.split(" ")[0]));
    const errors: Record<string, number> = {};
    for (const r of results) for (const [c, n] of Object.entries(r.errors)) errors[c] = (errors[c] ?? 0) + n;
    const archived = rows.filter((r) => r.archived_at !== null).length;
    recordFigures({
      scenario: `sqlite-contention-busy-${busyMs}ms`,
      fault: `two processes enqueue and drain one SQLite file (WAL) at once, busy timeout ${busyMs} ms`,
      faultsInjected: Object.values(errors).reduce((a, b) => a + b, 0),
      messagesIn: 2 * PER,
      archived,
      lost: 2 * PER - archived,
      duplicateExecutions: ids.length - new Set(ids).size,
      duplicatesExplained: `none expected (leases of 300 s never expire); errors seen and retried: ${JSON.stringify(errors)}; integrity_check: ${String(integrity)}`,
      workerExitsUnplanned: 0,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    });
    expect(integrity).toBe("ok");
    expect(rows).toHaveLength(2 * PER);
    expect(new Set(rows.map((r) => r.k)).size).toBe(2 * PER);
    expect(archived).toBe(2 * PER);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(2 * PER);
    for (const code of Object.keys(errors)) expect(code).toBe("BUSY");
  });

  it("a write blocked past the busy timeout fails with BUSY, nothing written", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "pgqrs-busy-")), "busy.db");
    const store = await pgqrs.connect(`sqlite://${file}`, { sqlite: { busyTimeoutMs: 50 } });
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).createQueue("q");
    const producer = await store.producer("q");
    const other = new Database(file);
    other.exec("BEGIN IMMEDIATE");
    const err = await producer.enqueue({ a: 1 }).catch((e: pgqrs.PgqrsError) => e);
    other.exec("ROLLBACK");
    other.close();
    expect((err as pgqrs.PgqrsError).code).toBe("BUSY");
    expect(await store.tables().messages().count({ state: "all" })).toBe(0);
    await producer.enqueue({ a: 2 });
    expect(await store.tables().messages().count()).toBe(1);
    await store.close();
  });
});
