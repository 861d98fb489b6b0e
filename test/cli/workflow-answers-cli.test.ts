/**
 * Issue 16, item 5, in the CLI: clear answers instead of waits. `workflow result` of a message that is not a
 * workflow trigger is VALIDATION_FAILED at once (with --wait too, whose timeout here is far beyond the test's);
 * `workflow trigger --wait` warns on stderr when no live worker serves the workflow, and not when one does; a run
 * paused by its code shows its reason and resume time, never the stored seconds.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { type ServedWorkflow, serveWorkflow } from "../support/served-workflow.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

const HOUR_MS = 3_600_000;
const WARNING = "no live worker serves workflow";

/** Resolves with the child's stderr so far once it contains `text` (rejects if the child exits first). */
function stderrUntil(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
      if (err.includes(text)) resolve(err);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before writing '${text}': ${err}`)));
  });
}

describe.each(BACKENDS)("clear answers in the CLI on %s", (backend) => {
  const db = new CliDatabase(backend);
  const served = "answers_served";
  const idle = "answers_idle";
  let worker: ServedWorkflow | undefined;
  let store: pgqrs.Store;
  let plainId = 0;

  const def = pgqrs.defineWorkflow({ name: served }, async (_run, input: { n: number; pause?: boolean }) => {
    if (input.pause === true) throw pgqrs.pauseError("waiting for approval", 2 * HOUR_MS);
    return input.n * 2;
  });

  beforeAll(async () => {
    expect(await db.ok("install")).toContain("Schema installed");
    worker = await serveWorkflow(db, def, "answers-worker", async (s) => {
      await s.queue("answers_plain");
      plainId = (await (await s.producer("answers_plain")).enqueue({ not: "a trigger" })).id;
      await s.createWorkflow(idle);
    });
    store = worker.store;
  });
  afterAll(async () => {
    await worker?.stop();
    await db.drop();
  });

  it("workflow result of a plain queue's message is VALIDATION_FAILED at once, with or without --wait", async () => {
    for (const args of [[], ["--wait", "--timeout", "3600"]]) {
      const r = await db.run("workflow", "result", String(plainId), ...args);
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      expect(r.stderr).toContain(`message ${plainId} is not a workflow trigger`);
      const j = await db.run("workflow", "result", String(plainId), ...args, "--json");
      expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    }
  });

  it("trigger --wait warns on stderr when no live worker serves the workflow, with how to start one", async () => {
    const child = db.spawn("workflow", "trigger", idle, '{"n":1}', "--wait", "--timeout", "3600");
    try {
      const err = await stderrUntil(child, "your-workflows.js");
      expect(err).toContain(`${WARNING} '${idle}'`);
      expect(err).toContain("pgqrs worker run --module");
      // Still waiting: the warning does not end the wait.
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("trigger --wait says nothing of workers when a live one serves the workflow, and prints the output", async () => {
    const r = await db.run("workflow", "trigger", served, '{"n":21}', "--wait", "--timeout", "60");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("42");
    expect(r.stderr).toContain("waiting for the result");
    expect(r.stderr).not.toContain(WARNING);
  });

  it("workflow run of a paused run shows its reason and resume time, not the stored seconds", async () => {
    const msg = await pgqrs.workflow().name(def).trigger({ n: 1, pause: true }).execute(store);
    await expect.poll(() => msg.status(), { timeout: 30_000 }).toBe("PAUSED");
    const run = await pgqrs.workflow().name(def).getRun(msg.id, store);
    const until = run.waitingFor?.until;
    expect(until).toBeInstanceOf(Date);
    const shown = await db.ok("workflow", "run", String(msg.id), "--message");
    expect(shown).toMatch(/^status\s+PAUSED$/m);
    expect(shown).toMatch(new RegExp(`^waiting\\s+paused until ${(until as Date).toISOString().slice(0, 19)}Z$`, "m"));
    expect(shown).toMatch(/^reason\s+waiting for approval$/m);
    expect(shown).not.toContain("resume_after");
    expect(shown).not.toMatch(/^error\s/m);
  });
  it("workflow result and cancel take a run id with --run, as workflow run does; an unknown run id writes nothing", async () => {
    const done = await pgqrs.workflow().name(def).trigger({ n: 4 }).execute(store);
    expect(await done.result({ timeoutMs: 30_000 })).toBe(8);
    const doneRun = await done.runId();
    // Not the message's id: the two differ here, so a run id read as a message id would answer for another one.
    expect(doneRun).not.toBe(done.id);
    const byRun = JSON.parse((await db.run("workflow", "result", String(doneRun), "--run", "--json")).stdout);
    expect(byRun).toEqual({ messageId: done.id, done: true, output: 8 });
    const paused = await pgqrs.workflow().name(def).trigger({ n: 5, pause: true }).execute(store);
    await expect.poll(() => paused.status(), { timeout: 30_000 }).toBe("PAUSED");
    const unknown = 1 + Math.max(doneRun, await paused.runId()) * 1000;
    const missing = await db.run("workflow", "cancel", String(unknown), "--run", "--json");
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: "RUN_NOT_FOUND" } });
    expect(await paused.status()).toBe("PAUSED");
    const cancelled = await db.ok("workflow", "cancel", String(await paused.runId()), "--run");
    expect(cancelled).toMatch(/^Run \d+ of 'answers_served' is CANCELL(ING|ED)\.$/m);
    expect(["CANCELLING", "CANCELLED"]).toContain(await paused.status());
  });
});
