/**
 * `--` ends the options (review §11, re-verified): a positional argument after it that reads like `--json` or
 * `--verbose` is a name, not the output switch, so `pgqrs queue create -- --json` creates the queue `--json` and
 * answers in text. Before it, `--json` still switches the output. Runs the CLI in-process on both backends.
 */
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { BACKENDS, dropDatabase, freshDatabase } from "../support/backends.js";

/** Run the CLI in-process; its exit code and everything it wrote to stdout and stderr. */
async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let out = "";
  const write = (chunk: string): boolean => {
    out += chunk;
    return true;
  };
  const sink = { write, isTTY: false } as unknown as NodeJS.WriteStream;
  const code = await main(argv, { out: sink, err: sink, env, cwd: process.cwd() });
  return { code, out };
}

describe.each(BACKENDS)("the CLI's `--` separator on %s", (backend) => {
  const db = freshDatabase(backend);
  const env = { PGQRS_DSN: db.dsn, PGQRS_SCHEMA: db.schema };
  afterAll(() => dropDatabase(backend, db.schema));

  it("a name after `--` that reads like --json or --verbose is a name, and the output stays text", async () => {
    expect((await cli(["install"], env)).code).toBe(0);
    const created = await cli(["queue", "create", "--", "--json"], env);
    expect(created.code).toBe(0);
    expect(created.out).toContain("Created queue '--json'");
    expect(created.out.trimStart().startsWith("{")).toBe(false);
    const verbose = await cli(["queue", "metrics", "--", "--verbose"], env);
    expect(verbose.code).not.toBe(0);
    expect(verbose.out).toContain("Queue '--verbose' not found");
    expect(verbose.out).not.toMatch(/^\s+at /m);
    const listed = await cli(["queue", "list", "--json"], env);
    expect(JSON.parse(listed.out)).toEqual(expect.arrayContaining([expect.objectContaining({ name: "--json" })]));
  });
});
