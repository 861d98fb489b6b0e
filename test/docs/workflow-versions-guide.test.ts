/**
 * docs/guides/workflow-versions.md, executed: on each backend its ```ts sample runs as written in a fresh database
 * (SQLite file or Postgres database), exits 0, prints no "Error", and prints every line a `console.log(…); //
 * expected` comment announces, in order: v2's worker leaves v1's run queued, v1's worker drains it.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { BACKENDS, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";

vi.setConfig({ testTimeout: 120_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/workflow-versions.md";
const SAMPLES = join(ROOT, "test-artifacts", "docs-samples");
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const sample = /```ts\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? "";
const expected = sample
  .split("\n")
  .map((l) => /^\s*console\.log\(.*\);\s*\/\/ (.+)$/.exec(l)?.[1])
  .filter((l): l is string => l !== undefined);

function run(dsn: string): Promise<{ code: number; output: string; stdout: string }> {
  mkdirSync(SAMPLES, { recursive: true });
  const file = join(mkdtempSync(join(SAMPLES, "s-")), "sample.ts");
  writeFileSync(file, sample);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", TSX, file],
      { cwd: mkdtempSync(join(tmpdir(), "pgqrs-doc-")), env: { ...process.env, PGQRS_DSN: dsn }, timeout: 90_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err === null ? 0 : typeof err.code === "number" ? err.code : 1,
          output: stdout + stderr,
          stdout,
        }),
    );
  });
}

describe("the workflow versions guide", () => {
  it("has a sample announcing its output, shows --version, and is linked from the durable workflows guide", () => {
    expect(expected).toEqual(["v2", "v2", "v1 QUEUED", "label-1", "0"]);
    expect(markdown).toContain("pgqrs workflow runs ship_order --version v1");
    expect(markdown).toContain("Runs without a version");
    expect(readFileSync(join(ROOT, "docs/guides/durable-workflows.md"), "utf8")).toContain("workflow-versions.md");
  });

  it.each(BACKENDS)("runs on %s and prints what it announces", async (backend) => {
    let dsn = `sqlite://${freshSqlitePath()}`;
    let dbName = "";
    if (backend === "postgres") {
      dbName = uniqueName("guide");
      const admin = new pg.Client({ connectionString: postgresDsn() });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
      const url = new URL(postgresDsn());
      url.pathname = `/${dbName}`;
      dsn = url.toString();
    }
    try {
      const r = await run(dsn);
      expect(r.output, r.output).not.toContain("Error");
      expect(r.code, r.output).toBe(0);
      expect(r.stdout.trim().split("\n"), r.output).toEqual(expected);
    } finally {
      if (dbName !== "") {
        const admin = new pg.Client({ connectionString: postgresDsn() });
        await admin.connect();
        await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
        await admin.end();
      }
    }
  });
});
