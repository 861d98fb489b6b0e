/**
 * Shared by the docs tests that execute samples (queue-controls-guide, samples-run-twice): extract fenced blocks
 * from markdown, run a TypeScript sample as its own process (it imports "pgqrs", which resolves to the built dist/
 * by package self-reference), give each test a fresh database of a backend, and type-check samples as a user's
 * strict project would (errors-guide, typed-queues-guide).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type BackendName, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";

const ROOT = process.cwd();
const SAMPLES = join(ROOT, "test-artifacts", "docs-samples");
// Samples run in a scratch directory (their SQLite fallbacks land there), so tsx is named by path.
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** A fenced block: its language, the line its code starts on (1-based), and the code. */
export interface Block {
  lang: string;
  line: number;
  code: string;
}

/** The fenced blocks of a markdown text whose language matches `lang`. */
export function fencedBlocks(markdown: string, lang: RegExp): Block[] {
  const out: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\w+)\s*$/.exec(lines[i] as string);
    if (m === null) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== "```") end++;
    if (lang.test(m[1] as string))
      out.push({ lang: m[1] as string, line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return out;
}

/** What a sample announces it prints: the trailing comment of each `console.log(…); // …` line, in order. */
export function expectedOutput(code: string): string[] {
  return code
    .split("\n")
    .map((l) => /^\s*console\.log\(.*\);\s*\/\/ (.+)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

/** Whether `expected` occurs in `lines` in order (other lines may come between). */
export function inOrder(lines: string[], expected: string[]): boolean {
  let at = 0;
  for (const line of lines) if (at < expected.length && line === expected[at]) at++;
  return at === expected.length;
}

/** The outcome of one sample run. */
export interface SampleRun {
  code: number;
  output: string;
  stdout: string;
}

/** Run `code` (a TypeScript module) with `PGQRS_DSN=dsn`, in a scratch working directory (or `cwd`). */
export function runSample(code: string, dsn: string, cwd?: string): Promise<SampleRun> {
  mkdirSync(SAMPLES, { recursive: true });
  const file = join(mkdtempSync(join(SAMPLES, "s-")), "sample.ts");
  writeFileSync(file, code);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", TSX, file],
      {
        cwd: cwd ?? mkdtempSync(join(tmpdir(), "pgqrs-doc-")),
        env: { ...process.env, PGQRS_DSN: dsn },
        timeout: 90_000,
      },
      (err, stdout, stderr) =>
        resolve({
          code: err === null ? 0 : typeof err.code === "number" ? err.code : 1,
          output: stdout + stderr,
          stdout,
        }),
    );
  });
}

/** The outcome of a type-check: tsc's exit code (0 when clean) and everything it printed. */
export interface TypecheckResult {
  code: number;
  output: string;
}

/**
 * Type-check `files` (file name → code) with tsc as a strict NodeNext project (ES2022, lib ES2023, node types,
 * `skipLibCheck`), in a fresh directory `test-artifacts/docs-typecheck/<prefix>XXXXXX` inside the repository, so
 * `"pgqrs"` resolves to the built package's published types (dist/). `compilerOptions` adds to or overrides those
 * defaults (e.g. `{ exactOptionalPropertyTypes: true }`); default none. tsc is given 90 seconds.
 */
export function typecheckSamples(
  prefix: string,
  files: Record<string, string>,
  compilerOptions: Record<string, unknown> = {},
): Promise<TypecheckResult> {
  const base = join(ROOT, "test-artifacts", "docs-typecheck");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, prefix));
  for (const [name, code] of Object.entries(files)) writeFileSync(join(dir, name), code);
  const options = {
    strict: true,
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2023"],
    types: ["node"],
    noEmit: true,
    skipLibCheck: true,
    ...compilerOptions,
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: options, include: ["*.ts"] }));
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, "-p", dir], { timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, output: stdout + stderr }),
    );
  });
}

/** A brand-new database of the backend (SQLite file, or a Postgres database dropped by `drop`). */
export async function createDatabase(backend: BackendName): Promise<{ dsn: string; drop: () => Promise<void> }> {
  if (backend === "sqlite") return { dsn: `sqlite://${freshSqlitePath()}`, drop: async () => {} };
  const name = uniqueName("doc");
  const admin = new pg.Client({ connectionString: postgresDsn() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresDsn());
  url.pathname = `/${name}`;
  return {
    dsn: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresDsn() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A brand-new database of the backend for the enclosing `describe` block: created before its tests, dropped after
 * them. `dsn()` names it inside a test.
 */
export function useSampleDatabase(backend: BackendName): { dsn: () => string } {
  let db: { dsn: string; drop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    db = await createDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    dsn: () => {
      if (db === undefined) throw new Error(`no ${backend} database: its beforeAll did not run`);
      return db.dsn;
    },
  };
}

/** A sample run exited 0, printed no "Error", and printed every line `code` announces, in order. */
export function expectPrintedWhatItSays(r: SampleRun, code: string): void {
  expect(r.output, r.output).not.toContain("Error");
  expect(r.code, r.output).toBe(0);
  const expected = expectedOutput(code);
  expect(inOrder(r.stdout.split("\n"), expected), `expected, in order:\n${expected.join("\n")}\n---\n${r.stdout}`).toBe(
    true,
  );
}

/** One test per sample, in order, each running it against the database `dsn()` names. */
export function itRunsEachSample(samples: readonly { name: string; code: string }[], dsn: () => string): void {
  it.each(samples)("$name runs and prints what it says", async ({ code }) => {
    expectPrintedWhatItSays(await runSample(code, dsn()), code);
  });
}

/**
 * On each backend, in ONE fresh database: every sample runs in order, as written, exits 0, prints no "Error", and
 * prints every line its `console.log(…); // expected` comments announce, in order.
 */
export function samplesPrintWhatTheySay(samples: readonly { name: string; code: string }[]): void {
  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    itRunsEachSample(samples, useSampleDatabase(backend).dsn);
  });
}
