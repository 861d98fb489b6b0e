/**
 * Every CLI error ends with a next step (issue 19 item 4): what to run or check, specific to the error's code where
 * it can be, else the command's --help. One test per message, through the built CLI on both backends.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { formatError } from "../../src/cli/format-error.js";
import { PgqrsError, type PgqrsErrorCode } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase, runCli } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

describe.each(BACKENDS)("CLI next steps on %s", (backend) => {
  const db = new CliDatabase(backend);
  afterAll(() => db.drop());

  it("a database where pgqrs is not installed: run `pgqrs install`", async () => {
    const r = await db.run("queue", "list");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pgqrs is not installed in");
    expect(r.stderr).toContain("npx pgqrs install");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const j = await db.run("queue", "list", "--json");
    expect(JSON.parse(j.stdout).error).toMatchObject({
      code: "SCHEMA_NOT_INSTALLED",
      message: expect.stringContaining("pgqrs install"),
    });
    await db.ok("install");
  });

  it("a missing queue: list the queues or create it", async () => {
    const r = await db.run("queue", "show", "nope");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Queue 'nope' not found");
    expect(r.stderr).toContain("`pgqrs queue list`");
    expect(r.stderr).toContain("`pgqrs queue create nope`");
  });

  it("a queue that exists already: see it", async () => {
    await db.ok("queue", "create", "taken");
    const r = await db.run("queue", "create", "taken");
    expect(r.stderr).toContain("`pgqrs queue show taken`");
  });

  it("a workflow never created: the message names the calls that create it", async () => {
    const r = await db.run("workflow", "trigger", "never_made", '{"id":1}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Workflow 'never_made' not found");
    expect(r.stderr).toContain("pgqrs workflow create never_made");
  });

  it("a worker id that does not exist: list every worker", async () => {
    const r = await db.run("worker", "suspend", "999999");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("`pgqrs worker list --all`");
  });

  it("a bad argument value the library refuses: the command's help", async () => {
    const r = await db.run("message", "enqueue", "taken", '{"__proto__":{"x":1}}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Run 'pgqrs message enqueue --help' for usage.");
  });
});

describe("CLI next steps without a database", () => {
  it("an unreachable server: check the server and the DSN, on the same line", async () => {
    const r = await runCli(["queue", "list", "--dsn", "postgresql://bob:hunter2@127.0.0.1:1/app"], {
      env: { PGQRS_CONNECTION_TIMEOUT: "1" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("Check that the server is running and reachable, and the DSN (--dsn, PGQRS_DSN");
    expect(r.stderr).not.toContain("hunter2");
  });

  it("a usage mistake: the command's help", async () => {
    const r = await runCli(["queue", "create"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Run 'pgqrs queue create --help' for usage.");
  });

  it("no database given: where to give one", async () => {
    const r = await runCli(["queue", "list"], { cwd: mkdtempSync(join(tmpdir(), "pgqrs-nodsn-")) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --dsn DSN or --config FILE, set PGQRS_DSN/);
  });

  // Node 22.18+ strips types itself; there a .ts module loads and this message is never needed.
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  it.skipIf(stripsTypes)("worker run --module x.ts: how to run a TypeScript module", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-ts-module-"));
    writeFileSync(join(dir, "workflows.ts"), "export const n: number = 1;\n");
    const r = await runCli(["worker", "run", "--module", "./workflows.ts", "--dsn", "sqlite://./w.db"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot load './workflows.ts'");
    expect(r.stderr).toContain("node --import tsx node_modules/.bin/pgqrs worker run --module ./workflows.ts");
    expect(r.stderr).toContain("compile it first");
    expect(r.stderr).toContain("--module ./workflows.js");
  });
});

describe("formatError's next step for every code", () => {
  // Exhaustive by type: a new code without an entry here fails to compile.
  const CODES = {
    QUEUE_NOT_FOUND: true,
    QUEUE_ALREADY_EXISTS: true,
    WORKFLOW_NOT_FOUND: true,
    WORKFLOW_ALREADY_EXISTS: true,
    RUN_NOT_FOUND: true,
    SCHEDULE_NOT_FOUND: true,
    SCHEDULE_ALREADY_EXISTS: true,
    MESSAGE_NOT_FOUND: true,
    WORKER_NOT_FOUND: true,
    WORKER_HAS_PENDING_MESSAGES: true,
    INVALID_STATE_TRANSITION: true,
    VALIDATION_FAILED: true,
    PAYLOAD_TOO_LARGE: true,
    RATE_LIMITED: true,
    INVALID_CONFIG: true,
    MISSING_CONFIG: true,
    SCHEMA_VALIDATION: true,
    SCHEMA_NOT_INSTALLED: true,
    DRIVER_NOT_INSTALLED: true,
    CONNECTION_FAILED: true,
    READ_ONLY: true,
    QUERY_FAILED: true,
    STORE_CLOSED: true,
    BUSY: true,
    TIMEOUT: true,
    SUSPENDED: true,
    STEP_NOT_READY: true,
    RETRIES_EXHAUSTED: true,
    TRANSIENT: true,
    PAUSED: true,
    CANCELLED: true,
    EXECUTION_FAILED: true,
    CONFLICT: true,
    CHILD_FAILED: true,
    NON_RETRYABLE: true,
    INTERNAL: true,
  } satisfies Record<PgqrsErrorCode, true>;

  it.each(Object.keys(CODES) as PgqrsErrorCode[])("%s ends with something to run or check", (code) => {
    const { message } = formatError(new PgqrsError(code, "Something went wrong"), undefined, "queue list");
    expect(message.startsWith("Something went wrong. ")).toBe(true);
    expect(message.length).toBeGreaterThan("Something went wrong. ".length + 10);
    expect(message).toMatch(/`pgqrs |pgqrs queue list --help|--verbose|Check|Retry|retry|Install/);
  });

  it("a thrown value that is not a PgqrsError: run again with --verbose", () => {
    expect(formatError(new Error("kaboom"), undefined).message).toBe(
      "kaboom. Run it again with --verbose for details.",
    );
  });
});
