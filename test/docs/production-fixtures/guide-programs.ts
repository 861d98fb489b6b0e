/**
 * The production guide's programs: its fenced blocks with a file name (```ts title="worker.ts"), which are long-running
 * programs or modules rather than one-shot samples (so the every-sample tests, which take only bare ```ts blocks, leave
 * them to test/docs/production-guide-samples.test.ts). Here: extract them, write them as files, and run one as a real
 * process that resolves "pgqrs" to the built dist/ (package self-reference), watching its output line by line.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = process.cwd();
const PROGRAMS = join(ROOT, "test-artifacts", "docs-samples");
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
/** The CLI as the guide's image runs it (`/app/node_modules/.bin/pgqrs`), here from the built dist/. */
export const CLI = join(ROOT, "dist", "cli", "main.js");

/** A fenced block of the guide: its language, its `title="…"` (if any) and its code. */
export interface GuideBlock {
  lang: string;
  title: string | undefined;
  line: number;
  code: string;
}

/** Every fenced block of a markdown text. */
export function guideBlocks(markdown: string): GuideBlock[] {
  const out: GuideBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\w+)(.*)$/.exec(lines[i] as string);
    if (m === null) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== "```") end++;
    const title = /title="([^"]+)"/.exec(m[2] as string)?.[1];
    out.push({ lang: m[1] as string, title, line: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return out;
}

/** The code of the block titled `title`; throws when the guide has none. */
export function titled(blocks: GuideBlock[], title: string): string {
  const block = blocks.find((b) => b.title === title);
  if (block === undefined) throw new Error(`the guide has no block titled ${title}`);
  return block.code;
}

/** Write files (path → content) into a new directory under test-artifacts (inside the package, so "pgqrs" resolves). */
export function writeProgram(files: Record<string, string>): string {
  mkdirSync(PROGRAMS, { recursive: true });
  const dir = mkdtempSync(join(PROGRAMS, "prod-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A running program: its output so far, a wait for a line, and its exit. */
export interface RunningProgram {
  child: ChildProcess;
  lines: () => string[];
  output: () => string;
  /** Resolves with the first line (already printed or to come) matching `pattern`; rejects if the process exits. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>;
  /** Resolves with the exit code (a signal's death is 128 + its number, as a shell reports it). */
  exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Start `file` (TypeScript) with node and tsx in `cwd`, with `env` over the test's environment. */
export function startProgram(file: string, cwd: string, env: NodeJS.ProcessEnv, args: string[] = []): RunningProgram {
  const child = spawn(process.execPath, ["--import", TSX, file, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
    notify();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(code ?? 128 + (SIGNALS[signal ?? ""] ?? 0));
      notify();
    });
  });
  const lines = () => stdout.split("\n").filter((l) => l.length > 0);
  const output = () => `${stdout}${stderr}`;
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${output()}`)),
        timeoutMs,
      );
      const check = () => {
        for (const line of lines()) {
          const m = pattern.exec(line);
          if (m !== null) return finish(m);
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          finish(new Error(`exited before a line matching ${pattern}:\n${output()}`));
        }
      };
      const finish = (result: RegExpExecArray | Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      waiters.add(check);
      check();
    });
  return { child, lines, output, waitFor, exited };
}

/** SIGKILL a program that is still running (cleanup after a failed assertion). */
export async function killProgram(program: RunningProgram | undefined): Promise<void> {
  if (program === undefined || program.child.exitCode !== null || program.child.signalCode !== null) return;
  program.child.kill("SIGKILL");
  await program.exited;
}

/** The outcome of one CLI run. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a command line of the guide (`["/app/node_modules/.bin/pgqrs", "worker", "health", …]` or `npx pgqrs …`): the
 * pgqrs executable is the built CLI; `env` gives its database.
 */
export function runGuideCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<CliOutcome> {
  const at = argv.findIndex((a) => a === "pgqrs" || a.endsWith("/.bin/pgqrs"));
  if (at < 0) throw new Error(`not a pgqrs command line: ${argv.join(" ")}`);
  const args = argv.slice(at + 1);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, PGQRS_SCHEMA: "", ...env }, encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr }),
    );
  });
}
