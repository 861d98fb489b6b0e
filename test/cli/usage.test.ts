import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshSqlitePath } from "../support/backends.js";
import { assertBuilt, runCli } from "./cli-harness.js";

beforeAll(assertBuilt);

describe("help and usage errors", () => {
  it("prints the command list with --help (exit 0), and usage on no command (exit 2)", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const word of [
      "demo",
      "install",
      "queue",
      "message",
      "dlq",
      "worker",
      "workflow",
      "dashboard",
      "Exit codes",
    ]) {
      expect(help.stdout).toContain(word);
    }
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: pgqrs <command>");
  });

  it("has per-command help with examples", async () => {
    const r = await runCli(["queue", "create", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: pgqrs queue create <name>");
    expect(r.stdout).toContain("Examples:");
    const group = await runCli(["workflow", "--help"]);
    expect(group.stdout).toContain("workflow trigger");
    const viaHelp = await runCli(["help", "worker", "run"]);
    expect(viaHelp.stdout).toContain("--module FILE");
  });

  it.each([
    [["queu", "list"], "Did you mean 'queue'?"],
    [["queue", "lst"], "Did you mean 'queue list'?"],
    [["wrokflow", "runs", "x"], "Did you mean 'workflow'?"],
    [["queue", "list", "--jsn"], "Did you mean '--json'?"],
    [["message", "list", "q", "--limt", "3"], "Did you mean '--limit'?"],
  ])("names the closest valid name for %j (exit 2)", async (args, hint) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(hint);
  });

  it("refuses missing and extra arguments and bad numbers with exit 2", async () => {
    expect((await runCli(["queue", "create"])).stderr).toContain("needs <name>");
    expect((await runCli(["queue", "create", "a", "b", "--dsn", "sqlite::memory:"])).code).toBe(2);
    const bad = await runCli(["message", "list", "q", "--limit", "many", "--dsn", "sqlite::memory:"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--limit takes a whole number");
  });

  it("usage errors are JSON with --json", async () => {
    const r = await runCli(["queue", "lst", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: "USAGE", message: expect.stringContaining("queue list") },
    });
  });

  it("asks for a database when none is configured (exit 2)", async () => {
    const r = await runCli(["queue", "list"], { cwd: mkdtempSync(join(tmpdir(), "pgqrs-cli-")) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no database given");
  });
});

describe("unreachable database", () => {
  const dsn = "postgresql://bob:hunter2@127.0.0.1:1/app";
  // A refused connection is retried until the connection timeout (a restarting server): keep that wait short here.
  const env = { PGQRS_CONNECTION_TIMEOUT: "1" };

  it("prints one line with the masked DSN and the reason, exit 1, no stack", async () => {
    const r = await runCli(["queue", "list", "--dsn", dsn], { env });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("cannot connect to postgresql://bob:***@127.0.0.1:1/app");
    expect(r.stderr).toContain("ECONNREFUSED");
    expect(r.stderr).not.toContain("hunter2");
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("is a JSON error with --json and shows a stack with --verbose", async () => {
    const j = await runCli(["stats", "--dsn", dsn, "--json"], { env });
    expect(j.code).toBe(1);
    const body = JSON.parse(j.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("CONNECTION_FAILED");
    expect(body.error.message).not.toContain("hunter2");
    const v = await runCli(["stats", "--dsn", dsn, "--verbose"], { env });
    expect(v.stderr).toMatch(/\bat .*\.js:\d+/);
    expect(v.stderr).not.toContain("hunter2");
  });
});

describe("configuration precedence: flags > PGQRS_* > pgqrs.yaml", () => {
  it("reads the DSN from ./pgqrs.yaml, PGQRS_DSN overrides it, --dsn overrides both", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "pgqrs-cli-"));
    const fromFile = freshSqlitePath();
    const fromEnv = freshSqlitePath();
    const fromFlag = freshSqlitePath();
    writeFileSync(join(cwd, "pgqrs.yaml"), `dsn: sqlite://${fromFile}\nmax_read_ct: 7\n`);
    for (const path of [fromFile, fromEnv, fromFlag]) {
      expect((await runCli(["install", "--dsn", `sqlite://${path}`])).code).toBe(0);
    }
    await runCli(["queue", "create", "file_q"], { cwd });
    await runCli(["queue", "create", "env_q"], { cwd, env: { PGQRS_DSN: `sqlite://${fromEnv}` } });
    await runCli(["queue", "create", "flag_q", "--dsn", `sqlite://${fromFlag}`], {
      cwd,
      env: { PGQRS_DSN: `sqlite://${fromEnv}` },
    });
    const names = async (path: string) =>
      (
        JSON.parse((await runCli(["queue", "list", "--json", "--dsn", `sqlite://${path}`])).stdout) as {
          name: string;
        }[]
      ).map((q) => q.name);
    expect(await names(fromFile)).toEqual(["file_q"]);
    expect(await names(fromEnv)).toEqual(["env_q"]);
    expect(await names(fromFlag)).toEqual(["flag_q"]);
  });

  it("reports a bad PGQRS_* value as a configuration error naming the variable", async () => {
    const r = await runCli(["stats", "--dsn", "sqlite::memory:"], { env: { PGQRS_MAX_READ_CT: "lots" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PGQRS_MAX_READ_CT");
  });

  it("--config names a JSON file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-cli-"));
    const db = freshSqlitePath();
    writeFileSync(join(dir, "custom.json"), JSON.stringify({ dsn: `sqlite://${db}` }));
    expect((await runCli(["install", "--config", join(dir, "custom.json")])).code).toBe(0);
    expect((await runCli(["verify", "--dsn", `sqlite://${db}`])).stdout).toContain("Schema OK");
  });
});

describe("dashboard", () => {
  it("explains when the dashboard module is missing, or serves and stops on SIGTERM", async () => {
    // Either outcome is well-formed: a one-line error (exit 1) or a URL; the full check lives with the dashboard.
    const { spawn } = await import("node:child_process");
    const { CLI } = await import("./cli-harness.js");
    const child = spawn(process.execPath, [CLI, "dashboard", "--dsn", `sqlite://${freshSqlitePath()}`, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const deadline = Date.now() + 15_000;
    while (!/http:\/\/|not available/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (out.includes("http://")) {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } else {
      expect(await exited).toBe(1);
      expect(out).toContain("dashboard is not available");
    }
  });
});
