/**
 * docs/guides/workflow-primitives.md, executed: on each backend its ```ts samples run in order, as written, in ONE
 * fresh database (SQLite file or Postgres database), and each must exit 0, print no "Error", and print every line
 * a `console.log(…); // expected` comment announces, in order; then its ```sql queries run against what the samples
 * left in that database. Samples import "pgqrs", which resolves to the built dist/ (npm test builds first); their
 * "three days later" is a ManualClock moved by hand, so nothing sleeps.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKENDS, type BackendName, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/workflow-primitives.md";
const SAMPLES = join(ROOT, "test-artifacts", "docs-samples");
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** The fenced blocks of one language, with the line each starts on. */
function blocks(markdown: string, lang: RegExp): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\w+)\s*$/.exec(lines[i] as string);
    if (m === null) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== "```") end++;
    if (lang.test(m[1] as string)) out.push({ line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return out;
}

/** What a sample announces it prints: the trailing comment of each `console.log(…);` line, in order. */
function expectedOutput(code: string): string[] {
  return code
    .split("\n")
    .map((l) => /^\s*console\.log\(.*\);\s*\/\/ (.+)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

/** Whether `expected` occurs in `lines` in order (other lines may come between). */
function inOrder(lines: string[], expected: string[]): boolean {
  let at = 0;
  for (const line of lines) if (at < expected.length && line === expected[at]) at++;
  return at === expected.length;
}

const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = blocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));
const queries = blocks(markdown, /^sql$/).flatMap((b) =>
  b.code
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split("\n")
        .filter((l) => !l.trimStart().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter((s) => s.length > 0),
);

function runSample(code: string, dsn: string): Promise<{ code: number; output: string; stdout: string }> {
  mkdirSync(SAMPLES, { recursive: true });
  const file = join(mkdtempSync(join(SAMPLES, "s-")), "sample.ts");
  writeFileSync(file, code);
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

describe("the workflow primitives guide", () => {
  it("has one sample per primitive, each announcing its output, and SQL to inspect the rows", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "run.recv",
      "pgqrs.send",
      "timeoutMs",
      "run.sleep",
      "run.startChild",
      "child.result()",
      "run.callChild",
      "CHILD_FAILED",
      "run.setEvent",
      "pgqrs.getEvent",
      ".idempotencyKey(",
      "waitingFor",
      "ManualClock",
    ]) {
      expect(code, api).toContain(api);
    }
    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
    for (const table of ["pgqrs_workflow_messages", "pgqrs_workflow_events", "waiting_for", "kind"]) {
      expect(queries.join("\n")).toContain(table);
    }
    expect(markdown).toMatch(/holds no worker slot, no lease and no\s+database connection/);
    expect(markdown).toContain("Do not catch the wait");
  });

  it("is linked from the durable workflows guide and the README", () => {
    expect(readFileSync(join(ROOT, "docs/guides/durable-workflows.md"), "utf8")).toContain("workflow-primitives.md");
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/workflow-primitives.md");
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    let dsn = "";
    let sqliteFile = "";
    let dbName = "";

    beforeAll(async () => {
      if (backend === "sqlite") {
        sqliteFile = freshSqlitePath();
        dsn = `sqlite://${sqliteFile}`;
        return;
      }
      dbName = uniqueName("guide");
      const admin = new pg.Client({ connectionString: postgresDsn() });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
      const url = new URL(postgresDsn());
      url.pathname = `/${dbName}`;
      dsn = url.toString();
    });

    afterAll(async () => {
      if (dbName === "") return;
      const admin = new pg.Client({ connectionString: postgresDsn() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    });

    it.each(samples)("$name runs and prints what it says", async ({ code }) => {
      const r = await runSample(code, dsn);
      expect(r.output, r.output).not.toContain("Error");
      expect(r.code, r.output).toBe(0);
      const printed = r.stdout.split("\n");
      expect(
        inOrder(printed, expectedOutput(code)),
        `expected, in order:\n${expectedOutput(code).join("\n")}\n---\n${r.stdout}`,
      ).toBe(true);
    });

    it("its SQL queries run on what the samples left, and show the waiting expense", async () => {
      const results: Record<string, unknown>[][] = [];
      if (backend === "sqlite") {
        const db = new Database(sqliteFile, { readonly: true });
        try {
          for (const q of queries) results.push(db.prepare(q).all() as Record<string, unknown>[]);
        } finally {
          db.close();
        }
      } else {
        const client = new pg.Client({ connectionString: dsn });
        await client.connect();
        try {
          for (const q of queries) results.push((await client.query(q)).rows as Record<string, unknown>[]);
        } finally {
          await client.end();
        }
      }
      expect(results).toHaveLength(queries.length);
      for (const [i, rows] of results.entries()) expect(rows.length, queries[i]).toBeGreaterThan(0);
      const [expenses, reminderSteps, messages, events, children] = results as Record<string, unknown>[][];
      expect(expenses?.map((r) => [r.status, r.waits_for])).toEqual([
        ["SUCCESS", null],
        ["SUCCESS", null],
        ["PAUSED", "message"],
      ]);
      expect(reminderSteps?.map((r) => `${String(r.step_name)}:${String(r.kind)}:${String(r.status)}`)).toEqual([
        "welcome:step:SUCCESS",
        "wait-a-day:sleep:SUCCESS",
        "remind:step:SUCCESS",
      ]);
      // Every message sent was received once, by the recv named for it.
      expect(messages?.map((r) => r.consumed_by_step)).toEqual(["decision", "verified"]);
      expect(events?.map((r) => r.key)).toEqual(["progress"]);
      expect(children?.map((r) => r.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "ERROR"]);
    });
  });
});
