import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

const MODULE = "test/cli/fixtures/cli-workflows.mjs";

interface Metrics {
  leasedMessages: number;
  pendingMessages: number;
  archivedMessages: number;
}

/** Collect a child's stderr and wait for a line matching `pattern`. */
function watch(child: ChildProcess): { text: () => string; waitFor: (pattern: RegExp) => Promise<void> } {
  let text = "";
  child.stderr?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  child.stdout?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  return {
    text: () => text,
    waitFor: async (pattern) => {
      const deadline = Date.now() + 30_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${pattern}: ${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe.each(BACKENDS)("pgqrs worker run --module on %s", (backend) => {
  const db = new CliDatabase(backend);

  beforeAll(async () => {
    await db.ok("install");
    await db.ok("queue", "create", "cli_emails");
  });
  afterAll(() => db.drop());

  it("serves runs triggered from another process; SIGTERM leaves no message leased and the workers stopped", async () => {
    const child = db.spawn("worker", "run", "--module", MODULE, "--concurrency", "4");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const log = watch(child);
    await log.waitFor(/ready on/);
    expect(log.text()).toContain("serving workflow 'cli_greet'");
    expect(log.text()).toContain("serving queue 'cli_emails'");

    // Another process triggers and waits.
    const done = await db.json<{ output: string }>("workflow", "trigger", "cli_greet", '{"name":"ada"}', "--wait");
    expect(done.output).toBe("hello ada");
    await db.ok("message", "enqueue", "cli_emails", '[{"n":1},{"n":2},{"n":3}]', "--batch");

    // Suspended by an operator, the worker waits; resumed, it serves again.
    const workers = await db.json<{ id: number; name: string; status: string }[]>(
      "worker",
      "list",
      "--queue",
      "cli_greet",
    );
    const greetWorker = workers.find((w) => w.name.endsWith(`-${child.pid}-cli_greet`));
    expect(greetWorker?.status).toBe("polling");
    await db.ok("worker", "suspend", String(greetWorker?.id));
    await log.waitFor(/suspended; waiting/);
    await db.ok("worker", "resume", String(greetWorker?.id));
    await log.waitFor(/resumed/);

    // Work in flight when SIGTERM arrives is finished, then the workers stop.
    for (let i = 0; i < 6; i++) await db.ok("workflow", "trigger", "cli_greet", `{"name":"n${i}"}`);
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(log.text()).toContain("SIGTERM: finishing in-flight work");

    for (const queue of ["cli_greet", "cli_emails"]) {
      expect((await db.json<Metrics>("queue", "metrics", queue)).leasedMessages).toBe(0);
    }
    expect((await db.json<Metrics>("queue", "metrics", "cli_emails")).archivedMessages).toBe(3);
    expect(await db.json<unknown[]>("workflow", "runs", "cli_greet", "--status", "RUNNING")).toEqual([]);
    const mine = (await db.json<{ name: string; status: string }[]>("worker", "list", "--all")).filter((w) =>
      w.name.includes(`-${child.pid}-`),
    );
    expect(mine).toHaveLength(2);
    expect(mine.map((w) => w.status)).toEqual(["stopped", "stopped"]);
  });

  it("`worker shutdown` of a serving worker interrupts it and the process exits when nothing is left", async () => {
    const child = db.spawn("worker", "run", "--module", MODULE);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const log = watch(child);
    await log.waitFor(/ready on/);
    const workers = await db.json<{ id: number; name: string }[]>("worker", "list", "--status", "polling");
    const mine = workers.filter((w) => w.name.includes(`-${child.pid}-`));
    expect(mine).toHaveLength(2);
    for (const w of mine) expect(await db.ok("worker", "shutdown", String(w.id))).toContain("interrupted");
    expect(await exited).toBe(0);
    const after = await db.json<{ name: string; status: string }[]>("worker", "list", "--all");
    expect(after.filter((w) => w.name.includes(`-${child.pid}-`)).map((w) => w.status)).toEqual(["stopped", "stopped"]);
  });

  it("refuses a module that exports nothing to serve (exit 2)", async () => {
    const r = await db.run("worker", "run", "--module", "test/cli/fixtures/empty-module.mjs");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("exports no workflow");
    const missing = await db.run("worker", "run", "--module", "test/cli/fixtures/nope.mjs");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot load");
  });
});

describe("examples/worker-module.mjs", () => {
  const db = new CliDatabase("sqlite");
  afterAll(() => db.drop());

  it("serves its workflow and handlers, and SIGINT stops it with exit 0", async () => {
    await db.ok("install");
    await db.ok("queue", "create", "emails");
    const child = db.spawn("worker", "run", "--module", "examples/worker-module.mjs");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const log = watch(child);
    await log.waitFor(/ready on/);
    const done = await db.json<{ output: { userId: number } }>(
      "workflow",
      "trigger",
      "send_welcome",
      '{"email":"ada@example.com"}',
      "--wait",
    );
    expect(done.output.userId).toBeGreaterThan(0);
    await db.ok("message", "enqueue", "emails", '{"to":"alan@example.com"}');
    await log.waitFor(/sending to alan@example.com/);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
