/**
 * The CLI's side of configuration and output safety: it resolves configuration with the library's loader (so a
 * bad or misspelt field is the same INVALID_CONFIG), never prints a DSN password (plain, --verbose, --json, or a
 * worker's command line under `demo --crash`), and shows control characters in names as visible escapes
 * (security review M2, M3, L1, L5).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS, dropSchema, postgresDsn, uniqueName } from "../support/backends.js";
import { assertBuilt, CLI, CliDatabase, type CliRun, runCli } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

/** The DSN with a password: its own when it has one, else `fallback` (the test cluster trusts local connections). */
function withPassword(dsn: string, fallback: string): { dsn: string; password: string } {
  const url = new URL(dsn);
  if (url.password === "") url.password = fallback;
  return { dsn: url.toString(), password: decodeURIComponent(url.password) };
}

const scratch = () => mkdtempSync(join(tmpdir(), "pgqrs-cli-config-"));

describe("configuration through the CLI", () => {
  it("refuses a misspelt key in ./pgqrs.yaml, naming the closest valid one", async () => {
    const cwd = scratch();
    writeFileSync(join(cwd, "pgqrs.yaml"), `dsn: sqlite://${join(cwd, "x.db")}\nmax_conections: 4\n`);
    const r = await runCli(["queue", "list"], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown key 'max_conections'. Did you mean 'max_connections'?");
    const json = await runCli(["queue", "list", "--json"], { cwd });
    expect(JSON.parse(json.stdout).error.code).toBe("INVALID_CONFIG");
  });

  it("refuses wrongly typed values from the file and the environment", async () => {
    const cwd = scratch();
    writeFileSync(join(cwd, "pgqrs.yaml"), `dsn: sqlite://${join(cwd, "x.db")}\nsqlite:\n  use_wal: no\n`);
    const file = await runCli(["queue", "list"], { cwd });
    expect([file.code, file.stderr]).toEqual([1, expect.stringContaining("sqlite.use_wal: must be true or false")]);
    const env = await runCli(["queue", "list"], {
      env: { PGQRS_DSN: `sqlite://${join(cwd, "y.db")}`, PGQRS_CONNECTION_TIMEOUT: "-1" },
      cwd,
    });
    expect([env.code, env.stderr]).toEqual([1, expect.stringContaining("PGQRS_CONNECTION_TIMEOUT: must be")]);
  });

  it("reads ./pgqrs.json as its help says", async () => {
    const cwd = scratch();
    const db = join(cwd, "from-json.db");
    writeFileSync(join(cwd, "pgqrs.json"), JSON.stringify({ dsn: `sqlite://${db}` }));
    const r = await runCli(["install", "--json"], { cwd });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).dsn).toBe(`sqlite://${db}`);
  });
});

describe("passwords are never printed", () => {
  const cases: [string, string, string][] = [
    ["unencoded / in the password", "postgresql://postgres:pa/ssB@127.0.0.1:1/db", "pa/ssB"],
    ["unencoded # in the password", "postgresql://postgres:pa#ssC@127.0.0.1:1/db", "ssC"],
    ["an sslpassword parameter", "postgresql://u@127.0.0.1:1/db?sslmode=disable&sslpassword=secretS", "secretS"],
    ["a key=value DSN", "host=127.0.0.1 port=1 password=secretD", "secretD"],
  ];
  const env = { PGQRS_CONNECTION_TIMEOUT: "0.1" };
  it.each(cases)("%s: plain, --verbose, --json, from --dsn and PGQRS_DSN", async (_, dsn, secret) => {
    const viaEnv = { env: { ...env, PGQRS_DSN: dsn } };
    const runs: CliRun[] = [
      await runCli(["queue", "list", "--dsn", dsn], { env }),
      await runCli(["queue", "list", "--verbose"], viaEnv),
      await runCli(["queue", "list", "--json"], viaEnv),
      await runCli(["queue", "list", "--dsn", dsn, "--json", "--verbose"], { env }),
    ];
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
      expect(`${r.stdout}${r.stderr}`).toContain("***");
    }
  });

  it("demo --crash gives its worker processes the DSN through the environment, not their command line", async () => {
    const { dsn, password: secret } = withPassword(postgresDsn(), "crash-demo-Secret");
    expect(dsn).toContain(encodeURIComponent(secret));
    const schema = uniqueName("s_crash");
    const log = join(scratch(), "argv.log");
    const preload = join(process.cwd(), "test/cli/fixtures/record-argv.mjs");
    const args = ["--import", preload, CLI, "demo", "--crash", "--runs", "12", "--json", "--schema", schema];
    const r = await new Promise<CliRun>((resolve) => {
      execFile(
        process.execPath,
        args,
        { env: { ...process.env, PGQRS_DSN: dsn, PGQRS_TEST_ARGV_LOG: log }, encoding: "utf8", timeout: 100_000 },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : 1, stdout, stderr }),
      );
    });
    await dropSchema(schema);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).statuses).toEqual({ SUCCESS: 12 });
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines.filter((l) => l.includes("demo-worker"))).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain(secret);
  });
});

/** Names that would clear the screen, recolour it and set the terminal title if printed raw (the review's). */
const EVIL_QUEUE = "evil\x1b[2J\x1b[1;31mFAKE-OK\x1b]0;pwned-title\x07\u009b\x7f";
const EVIL_WORKER = "w\x1b[31mred";
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe.each(BACKENDS)("control characters in names on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;

  beforeAll(async () => {
    await db.ok("install");
    store = await pgqrs.connect(db.dsn, { schema: db.schema });
    await db.ok("queue", "create", EVIL_QUEUE);
    await store.consumer(EVIL_QUEUE, EVIL_WORKER);
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("queue list and worker list escape them in table cells", async () => {
    for (const command of [
      ["queue", "list"],
      ["worker", "list"],
    ]) {
      const out = await db.ok(...command);
      expect(out, command.join(" ")).not.toMatch(RAW_CONTROL);
    }
    const queues = await db.ok("queue", "list");
    expect(queues).toContain("evil\\u{1b}[2J\\u{1b}[1;31mFAKE-OK\\u{1b}]0;pwned-title\\u{7}\\u{9b}\\u{7f}");
    expect(await db.ok("worker", "list")).toContain("w\\u{1b}[31mred");
  });

  it("--json keeps the names exact, escaped as JSON", async () => {
    const r = await db.run("queue", "list", "--json");
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const names = (JSON.parse(r.stdout) as { name?: string; queueName?: string }[]).map((q) => q.name ?? q.queueName);
    expect(names).toContain(EVIL_QUEUE);
  });

  it("worker run escapes them in its log lines", async () => {
    await db.ok("queue", "create", "evil\x1b[2Jq");
    const child = db.spawn("worker", "run", "--module", "test/cli/fixtures/hostile-queue-module.mjs");
    let log = "";
    child.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on("data", () => {
        if (log.includes("ready on")) resolve();
      });
      void exited.then(() => reject(new Error(`worker run exited: ${log}`)));
    });
    child.kill("SIGTERM");
    await exited;
    expect(log).toContain("serving queue 'evil\\u{1b}[2Jq'");
    expect(log).not.toMatch(RAW_CONTROL);
  });

  it("error messages and one-line output escape them", async () => {
    const missing = await db.run("queue", "show", `${EVIL_QUEUE}-missing`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toMatch(RAW_CONTROL);
    expect(missing.stderr).toContain("\\u{1b}[2J");
    const created = await db.run("queue", "create", `${EVIL_WORKER}-q`);
    expect(created.stdout).not.toMatch(RAW_CONTROL);
    expect(created.stdout).toContain("w\\u{1b}[31mred-q");
  });
});
