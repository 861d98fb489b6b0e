/**
 * The backend registry through `connect`: Turso DSNs reach the Turso backend, every registered backend's DSN forms
 * are accepted and listed, a malformed DSN of a known scheme and a pool for a file backend are refused before
 * anything is opened.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import * as pgqrs from "../../src/index.js";
import { BACKEND_DEFINITIONS } from "../../src/store/backend-registry.js";
import { freshSqlitePath } from "../support/backends.js";
import { errorCode, thrown } from "../support/stores.js";

describe("connect with a Turso DSN", () => {
  it("opens turso:///abs, turso://rel and turso:rel files, creating them, as the Turso backend", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-turso-connect-"));
    const rel = relative(process.cwd(), dir);
    const dsns = [`turso://${join(dir, "a.db")}`, `turso://${join(rel, "b.db")}`, `turso:${join(rel, "c.db")}`];
    for (const dsn of dsns) {
      const store = await pgqrs.connect(dsn);
      try {
        await pgqrs.admin(store).install();
        await store.queue("q");
        expect(store.backendName()).toBe("turso");
        expect(store.config.backend).toBe("turso");
        expect(store.capabilities.processesPerDatabase).toBe("one");
      } finally {
        await store.close();
      }
    }
    for (const name of ["a.db", "b.db", "c.db"]) expect(existsSync(join(dir, name))).toBe(true);
  });

  it("refuses a Turso DSN without a path, and a pg.Pool, with INVALID_CONFIG", async () => {
    expect(await errorCode(() => pgqrs.connect("turso:"))).toBe("INVALID_CONFIG");
    const pool = { connect: () => Promise.reject(new Error("never used")), end: () => Promise.resolve() };
    const err = await thrown(() => pgqrs.connect(`turso://${freshSqlitePath()}`, { pool }));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toContain("pool");
  });
});

describe("the backend registry", () => {
  it("is what the conformance suite loops over: no conformance file uses the SQLite-and-PostgreSQL list", () => {
    const dir = join(process.cwd(), "test/conformance");
    const files = readdirSync(dir).filter((f) => f.endsWith(".test.ts"));
    expect(files.length).toBeGreaterThan(50);
    const narrowed = files.filter((f) => /\bBACKENDS\b/.test(readFileSync(join(dir, f), "utf8")));
    expect(narrowed, "use EVERY_BACKEND from test/support/backends.ts").toEqual([]);
  });

  it("names every registered backend's DSN forms when a DSN matches none", async () => {
    const err = await thrown(() => pgqrs.connect("mysql://root:secret@h/db"));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).not.toContain("secret");
    for (const b of BACKEND_DEFINITIONS) for (const form of b.dsnForms) expect(err.message).toContain(form);
  });

  it("gives each DSN to exactly one backend, whose capabilities its stores report", () => {
    const kinds = BACKEND_DEFINITIONS.map((b) => b.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const b of BACKEND_DEFINITIONS) {
      const sample = b.dsnForms[0]?.replace("…", "x") ?? "";
      expect(BACKEND_DEFINITIONS.filter((o) => o.matchesDsn(sample)).map((o) => o.kind)).toEqual([b.kind]);
      expect(pgqrs.detectBackend(sample)).toBe(b.kind);
      expect(b.capabilities.backendName).toBe(b.kind);
    }
  });
});

/** Run the CLI in this process; exit code and what it wrote. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: "", err: "" };
  out.on("data", (c: Buffer) => {
    chunks.out += c.toString();
  });
  err.on("data", (c: Buffer) => {
    chunks.err += c.toString();
  });
  const io = { out, err, env: {}, cwd: process.cwd() } as unknown as Parameters<typeof main>[1];
  const code = await main(args, io);
  return { code, ...chunks };
}

describe("the CLI on Turso", () => {
  it("installs and creates a queue with --dsn turso://…, and names every backend in its help", async () => {
    const dsn = `turso://${freshSqlitePath()}`;
    expect((await cli(["install", "--dsn", dsn])).code).toBe(0);
    expect((await cli(["queue", "create", "jobs", "--dsn", dsn])).code).toBe(0);
    const listed = await cli(["queue", "list", "--dsn", dsn, "--json"]);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('"jobs"');
    const help = await cli(["--help"]);
    for (const b of BACKEND_DEFINITIONS) expect(help.out + help.err).toContain(b.label);
  });

  it("refuses demo --crash on a backend whose database serves one process, by its capability", async () => {
    const r = await cli(["demo", "--crash", "--runs", "1", "--dsn", `turso://${freshSqlitePath()}`]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("--crash needs a database other processes can open");
  });
});
