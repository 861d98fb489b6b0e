/**
 * Every ```ts block of docs/**.md runs, as written, against a fresh SQLite file and a fresh Postgres database.
 * Samples import "pgqrs", which resolves to the built dist/ by package self-reference (npm test builds first).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { BACKENDS, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";

vi.setConfig({ testTimeout: 120_000 });

const ROOT = process.cwd();
const SAMPLES = join(ROOT, "test-artifacts", "docs-samples");
// Samples run in a scratch directory (their SQLite fallbacks land there), so tsx is named by path.
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
  );
}

/** The ```ts blocks of a markdown file, with the line each starts on. */
function codeBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i] as string)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== "```") end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return blocks;
}

const samples = markdownFiles(join(ROOT, "docs"))
  .sort()
  .flatMap((file) =>
    codeBlocks(readFileSync(file, "utf8")).map((b) => ({ name: `${relative(ROOT, file)}:${b.line}`, ...b })),
  );

async function withDatabase(backend: string, fn: (dsn: string) => Promise<void>): Promise<void> {
  if (backend === "sqlite") return fn(`sqlite://${freshSqlitePath()}`);
  const name = uniqueName("doc");
  const admin = new pg.Client({ connectionString: postgresDsn() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(postgresDsn());
    url.pathname = `/${name}`;
    await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function runSample(code: string, dsn: string): Promise<{ code: number; output: string }> {
  mkdirSync(SAMPLES, { recursive: true });
  const file = join(mkdtempSync(join(SAMPLES, "s-")), "sample.ts");
  writeFileSync(file, code);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", TSX, file],
      { cwd: mkdtempSync(join(tmpdir(), "pgqrs-doc-")), env: { ...process.env, PGQRS_DSN: dsn }, timeout: 90_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, output: stdout + stderr }),
    );
  });
}

describe("docs code samples", () => {
  it("there are samples in every guide", () => {
    const files = new Set(samples.map((s) => s.name.split(":")[0]));
    for (const f of [
      "docs/getting-started.md",
      "docs/guides/basic-queue.md",
      "docs/guides/basic-workflow.md",
      "docs/guides/delayed-messages.md",
      "docs/guides/batch-processing.md",
      "docs/guides/worker-management.md",
      "docs/guides/durable-workflows.md",
      "docs/backends.md",
    ]) {
      expect(files).toContain(f);
    }
  });

  describe.each(BACKENDS)("on %s", (backend) => {
    // The S3 guide's samples need an S3 server: test/docs/s3-guide.test.ts runs them against its emulator.
    it.each(samples.filter((s) => !s.name.startsWith("docs/guides/s3.md:")))("$name runs", async ({ code }) => {
      await withDatabase(backend, async (dsn) => {
        const r = await runSample(code, dsn);
        expect(r.output, r.output).not.toContain("Error");
        expect(r.code, r.output).toBe(0);
      });
    });
  });
});
