import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dropSchema, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";
import { assertBuilt, runCli } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

interface Summary {
  backend: string;
  runs: number;
  retries: number;
  statuses: Record<string, number>;
  latencyMs: { p50: number; p95: number };
  crash: null | {
    killedWorkerId: number;
    recoveryWorkerId: number;
    inFlightRunIds: number[];
    releasedMessages: number;
  };
  timeline: { runId: number; steps: { step: string; status: string }[] };
}

describe("pgqrs demo", () => {
  const schema = uniqueName("demo");
  afterAll(() => dropSchema(schema));

  it("defaults to ./pgqrs-demo.db and prints a summary table and a step timeline", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "pgqrs-demo-"));
    const r = await runCli(["demo", "--runs", "30"], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("on sqlite (sqlite://./pgqrs-demo.db)");
    expect(r.stdout).toMatch(/STATUS\s+RUNS\nSUCCESS\s+30/);
    expect(r.stdout).toMatch(/latency\s+p50 .*, p95 /);
    expect(r.stdout).toMatch(/reserve_stock\s+SUCCESS/);
    expect(r.stderr).toMatch(/30\/30 runs\s+\d+ runs\/s\s+\d+ retries/);
    // The closing hint is a command that works when pasted (npx, since the bin is not on PATH, and the --dsn).
    const hint = "npx pgqrs workflow runs demo_order --dsn sqlite://./pgqrs-demo.db";
    expect(r.stdout).toContain(`  ${hint}\n`);
    const pasted = await runCli(hint.split(" ").slice(2), { cwd });
    expect(pasted.code).toBe(0);
    expect(pasted.stdout).toMatch(/SUCCESS/);
  });

  it("masks a Postgres password in the closing hint and names a non-default schema", async () => {
    const { Config } = await import("../../src/index.js");
    const { cliCommand } = await import("../../src/cli/demo.js");
    const config = new Config({ dsn: "postgresql://app:s3cret@db.example:5432/jobs?sslmode=require", schema: "demo" });
    const hint = cliCommand(config, "workflow runs demo_order");
    expect(hint).not.toContain("s3cret");
    expect(hint).toMatch(
      /^npx pgqrs workflow runs demo_order --dsn 'postgresql:\/\/app:[^@']+@db\.example:5432\/jobs\?sslmode=require' --schema demo$/,
    );
  });

  it("--json on SQLite: all runs succeed, transient failures were retried", async () => {
    const r = await runCli(["demo", "--runs", "40", "--json", "--dsn", `sqlite://${freshSqlitePath()}`]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s).toMatchObject({ backend: "sqlite", runs: 40, statuses: { SUCCESS: 40 }, crash: null });
    expect(s.retries).toBeGreaterThan(0);
    expect(s.latencyMs.p95).toBeGreaterThanOrEqual(s.latencyMs.p50);
    expect(s.timeline.steps.map((x) => x.step)).toEqual(["reserve_stock", "charge_card", "ship"]);
  });

  it("runs against Postgres with PGQRS_DSN", async () => {
    const r = await runCli(["demo", "--runs", "30", "--json"], {
      env: { PGQRS_DSN: postgresDsn(), PGQRS_SCHEMA: schema },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ backend: "postgres", statuses: { SUCCESS: 30 } });
  });

  it.each(["sqlite", "postgres"])(
    "--crash on %s: a SIGKILLed worker process's runs are finished by another",
    async (b) => {
      const dsn = b === "sqlite" ? `sqlite://${freshSqlitePath()}` : postgresDsn();
      const r = await runCli([
        "demo",
        "--crash",
        "--runs",
        "45",
        "--json",
        "--dsn",
        dsn,
        "--schema",
        `${schema}_crash`,
      ]);
      if (b === "postgres") await dropSchema(`${schema}_crash`);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as Summary;
      expect(s.statuses).toEqual({ SUCCESS: 45 });
      expect(s.crash).not.toBeNull();
      expect(s.crash?.recoveryWorkerId).not.toBe(s.crash?.killedWorkerId);
      expect(s.timeline.steps.every((x) => x.status === "SUCCESS")).toBe(true);
    },
  );
});
