/** Drive `node dist/cli/main.js` as a subprocess against one fresh database per test file. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BackendName, dropSchema, freshDatabase } from "../support/backends.js";

export const CLI = join(process.cwd(), "dist/cli/main.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error("dist/cli/main.js is missing: run `npm run build` (npm test does)");
}

/**
 * This process's environment without the colour switches (`FORCE_COLOR`, `NO_COLOR`), so the CLI's output is plain
 * text whatever the machine running the tests sets; a test that wants colour passes them itself.
 */
export function plainEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, NO_COLOR: _no, ...env } = process.env;
  return env;
}

/** Run the CLI with no database configured beyond what `env` says. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...plainEnv(), PGQRS_DSN: "", PGQRS_SCHEMA: "", ...options.env };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env, cwd: options.cwd ?? process.cwd(), encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh database for the backend, and a CLI bound to it by PGQRS_DSN / PGQRS_SCHEMA. */
export class CliDatabase {
  readonly backend: BackendName;
  readonly dsn: string;
  readonly schema: string;
  readonly #children = new Set<ChildProcess>();

  constructor(backend: BackendName) {
    this.backend = backend;
    const db = freshDatabase(backend);
    this.dsn = db.dsn;
    this.schema = db.schema;
  }

  get env(): NodeJS.ProcessEnv {
    return { PGQRS_DSN: this.dsn, PGQRS_SCHEMA: this.schema };
  }

  run(...args: string[]): Promise<CliRun> {
    return runCli(args, { env: this.env });
  }

  /** Run with --json, expect exit 0, and parse stdout. */
  async json<T = unknown>(...args: string[]): Promise<T> {
    const r = await this.run(...args, "--json");
    if (r.code !== 0) throw new Error(`pgqrs ${args.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Run, expect exit 0, return stdout. */
  async ok(...args: string[]): Promise<string> {
    const r = await this.run(...args);
    if (r.code !== 0) throw new Error(`pgqrs ${args.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** Start a long-running CLI process (e.g. `worker run`). */
  spawn(...args: string[]): ChildProcess {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...plainEnv(), ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#children.add(child);
    child.once("exit", () => this.#children.delete(child));
    return child;
  }

  /** SIGKILL what `spawn` started and is still running (a failed test must not leave workers behind), then drop. */
  async drop(): Promise<void> {
    for (const child of this.#children) child.kill("SIGKILL");
    if (this.backend === "postgres") await dropSchema(this.schema);
  }
}
