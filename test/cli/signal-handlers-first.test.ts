/**
 * A supervisor may stop a serving command the moment it reads that the command is up: `pgqrs dashboard` and
 * `pgqrs metrics` (their URL) and `pgqrs worker run` (its "ready" line) must have their SIGINT and SIGTERM handlers
 * in place before they print it, or Node's default kills the process where it stands (the server open, the workers'
 * rows left behind). Run in-process: at the moment each line is written, this test counts the process's listeners
 * of both signals, then stops the command through the handlers it added, as a signal would, and expects exit 0.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { freshSqlitePath } from "../support/backends.js";

type Signal = "SIGINT" | "SIGTERM";
const SIGNALS: readonly Signal[] = ["SIGINT", "SIGTERM"];

/**
 * Run `setup`, then `argv` in-process until a line matching `up` is written (on a new SQLite database); expect both signals' handlers added by then; call
 * the SIGTERM handlers it added; the command's exit code and output.
 */
async function stopWhenUp(
  argv: string[],
  up: RegExp,
  setup: string[][] = [],
): Promise<{ code: number; out: string; armed: boolean }> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const added = (s: Signal) => process.listeners(s).filter((l) => !before.get(s)?.has(l));
  let out = "";
  let armed: boolean | undefined;
  let sawUp!: () => void;
  const upWritten = new Promise<void>((resolve) => {
    sawUp = resolve;
  });
  const write = (chunk: string): boolean => {
    out += chunk;
    if (armed === undefined && up.test(out)) {
      armed = SIGNALS.every((s) => added(s).length > 0);
      sawUp();
    }
    return true;
  };
  const sink = { write, isTTY: false } as unknown as NodeJS.WriteStream;
  const env = { ...process.env, PGQRS_DSN: `sqlite://${freshSqlitePath()}` };
  const silent = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  for (const command of [["install"], ...setup]) {
    expect(await main(command, { out: silent, err: silent, env, cwd: process.cwd() })).toBe(0);
  }
  const ran = main(argv, { out: sink, err: sink, env, cwd: process.cwd() });
  await Promise.race([upWritten, ran]);
  // What the process would run on SIGTERM (never the test runner's own listeners).
  for (const listener of added("SIGTERM")) (listener as (s: Signal) => void)("SIGTERM");
  const code = await ran;
  return { code, out, armed: armed === true };
}

describe("serving commands take their signals before they say they are up", () => {
  it("pgqrs dashboard: the handlers are in place when the URL is printed; SIGTERM then stops it, exit 0", async () => {
    const r = await stopWhenUp(["dashboard", "--port", "0"], /http:\/\/\S+/);
    expect(r.out).toMatch(/pgqrs dashboard: http:\/\//);
    expect(r.armed).toBe(true);
    expect(r.code).toBe(0);
  });

  it("pgqrs metrics: the handlers are in place when the URL is printed; SIGTERM then stops it, exit 0", async () => {
    const r = await stopWhenUp(["metrics", "--port", "0"], /http:\/\/\S+/);
    expect(r.out).toMatch(/pgqrs metrics: serving http:\/\//);
    expect(r.armed).toBe(true);
    expect(r.code).toBe(0);
  });

  it("pgqrs worker run: the handlers are in place when it says ready; SIGTERM then stops its workers, exit 0", async () => {
    const module = join(process.cwd(), "test/cli/fixtures/cli-workflows.mjs");
    const r = await stopWhenUp(["worker", "run", "--module", module], /ready on /, [["queue", "create", "cli_emails"]]);
    expect(r.armed).toBe(true);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/SIGTERM: finishing in-flight work/);
    expect(r.out).toMatch(/stopped 2 worker\(s\)/);
  });
});
