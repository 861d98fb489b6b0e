/**
 * `pgqrs dashboard --read-only` (the built CLI, `npm run build` first), the command docs/cli.md shows: the flag
 * reaches the server (the badge, no action forms, an action refused with 403 READ_ONLY) and `--help` lists it.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assertBuilt, CLI, runCli } from "../cli/cli-harness.js";
import { freshSqlitePath } from "../support/backends.js";
import { printedUrl } from "./cli-url.js";

describe("pgqrs dashboard --read-only (CLI)", () => {
  it("is the command docs/cli.md shows, and --help lists the flag", async () => {
    assertBuilt();
    expect(readFileSync("docs/cli.md", "utf8")).toContain("\npgqrs dashboard --read-only\n");
    const help = await runCli(["dashboard", "--help"]);
    expect(help.stdout).toContain("--read-only");
    expect(help.stdout).toContain("READ_ONLY");
  });

  it("serves pages without actions and refuses every action with 403 READ_ONLY", async () => {
    assertBuilt();
    const dsn = `sqlite://${freshSqlitePath()}`;
    expect((await runCli(["install", "--dsn", dsn])).code).toBe(0);
    expect((await runCli(["queue", "create", "ro_cli", "--dsn", dsn])).code).toBe(0);
    const child = spawn(process.execPath, [CLI, "dashboard", "--read-only", "--dsn", dsn, "--port", "0", "--json"], {
      env: { ...process.env, PGQRS_DSN: "", PGQRS_DASHBOARD_TOKEN: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const url = await printedUrl(child);
      const page = await (await fetch(new URL("/queues/1", url))).text();
      expect(page).toContain("ro_cli");
      expect(page).toContain('data-testid="read-only"');
      expect(page).not.toContain('method="post"');
      const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1] ?? "";
      expect(csrf).not.toBe("");
      const res = await fetch(new URL("/actions/queues/1/purge", url), {
        method: "POST",
        headers: { accept: "application/json", "x-pgqrs-csrf": csrf },
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ ok: false, code: "READ_ONLY" });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
