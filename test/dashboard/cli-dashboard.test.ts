/**
 * `pgqrs dashboard` beyond loopback (the built CLI, `npm run build` first): without a token it refuses to start with
 * one clear line; with PGQRS_DASHBOARD_TOKEN it serves and requires the token; `--help` says how to pass it and
 * that TLS comes from a reverse proxy.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { assertBuilt, CLI, runCli } from "../cli/cli-harness.js";
import { freshSqlitePath } from "../support/backends.js";
import { TOKEN } from "./harness.js";
import { printedUrl } from "./cli-url.js";

describe("pgqrs dashboard (CLI)", () => {
  it("refuses 0.0.0.0 without a token, naming PGQRS_DASHBOARD_TOKEN", async () => {
    assertBuilt();
    const r = await runCli(
      ["dashboard", "--dsn", `sqlite://${freshSqlitePath()}`, "--host", "0.0.0.0", "--port", "0"],
      {
        env: { PGQRS_DASHBOARD_TOKEN: "" },
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PGQRS_DASHBOARD_TOKEN");
    expect(r.stdout).not.toContain("http://");
  });

  it("serves on 0.0.0.0 with PGQRS_DASHBOARD_TOKEN, and every request needs it", async () => {
    assertBuilt();
    const dsn = `sqlite://${freshSqlitePath()}`;
    expect((await runCli(["install", "--dsn", dsn])).code).toBe(0);
    const child = spawn(
      process.execPath,
      [CLI, "dashboard", "--dsn", dsn, "--host", "0.0.0.0", "--port", "0", "--json"],
      { env: { ...process.env, PGQRS_DSN: "", PGQRS_DASHBOARD_TOKEN: TOKEN }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const url = await printedUrl(child);
      const local = `http://127.0.0.1:${new URL(url).port}`;
      expect((await fetch(`${local}/`)).status).toBe(401);
      expect((await fetch(`${local}/`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("--help tells how to pass the token and that TLS comes from a reverse proxy", async () => {
    assertBuilt();
    const r = await runCli(["dashboard", "--help"]);
    expect(r.stdout).toContain("PGQRS_DASHBOARD_TOKEN");
    expect(r.stdout).toContain("--allowed-host");
    expect(r.stdout).toMatch(/reverse proxy that terminates TLS/);
    expect(r.stdout).toContain("ps");
  });
});
