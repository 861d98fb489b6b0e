/**
 * Ctrl-C (or SIGTERM) during a command that waits (`pgqrs workflow trigger --wait`, `pgqrs demo`) closes the store
 * before exiting, so the command's ephemeral producer is stopped instead of left `ready` for `pgqrs worker health`
 * to report stale (DECISIONS §6).
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 60_000 });

interface WorkerRow {
  name: string;
  status: string;
}

/** The status a shell reports once `child` ends: its exit code, or 128 + the number of the signal that killed it. */
function shellStatus(child: ChildProcess): Promise<number> {
  return new Promise((resolve) =>
    child.once("exit", (c, s) => resolve(c ?? 128 + (s === null ? 0 : constants.signals[s]))),
  );
}

/** The workers of `queue` still live (ready or polling), as `worker list --all` shows them. */
async function liveWorkers(db: CliDatabase, queue: string): Promise<WorkerRow[]> {
  const rows = await db.json<WorkerRow[]>("worker", "list", "--all", "--queue", queue);
  expect(rows.length).toBeGreaterThan(0);
  return rows.filter((w) => w.status === "ready" || w.status === "polling");
}

/** Resolve with the child's stderr once it contains `text` (rejects if the child exits first). */
function stderrContaining(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        child.stderr?.off("data", onData);
        resolve(seen);
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`exited (${code ?? signal}) before "${text}": ${seen}`)));
  });
}

describe.each(BACKENDS)("pgqrs workflow trigger --wait interrupted on %s", (backend) => {
  const db = new CliDatabase(backend);

  beforeAll(async () => {
    await db.ok("install");
  });
  afterAll(() => db.drop());

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s exits %i and leaves no live worker row on the workflow's queue", async (signal, code) => {
    const workflow = `wf_${signal.toLowerCase()}`;
    await db.ok("workflow", "create", workflow);
    const child = db.spawn("workflow", "trigger", workflow, "{}", "--wait", "--timeout", "600");
    const exited = shellStatus(child);
    // The warning comes after the trigger's producer row is registered and while the command waits.
    await stderrContaining(child, `no live worker serves workflow '${workflow}'`);
    child.kill(signal);

    expect(await exited).toBe(code);
    expect(await liveWorkers(db, workflow)).toEqual([]);
    // Stale right away for any row still ready: the liveness probe of the production guide, without its wait.
    expect((await db.run("worker", "health", "--stale-after", "0")).code).toBe(0);
  });
});

describe.each(BACKENDS)("pgqrs demo interrupted on %s", (backend) => {
  const db = new CliDatabase(backend);
  afterAll(() => db.drop());

  it("SIGINT while it triggers its runs exits 130 and leaves no live worker row", async () => {
    // More runs than it can trigger before the signal: it is still in its trigger loop when interrupted.
    const child = db.spawn("demo", "--runs", "1000000");
    const exited = shellStatus(child);
    // Wait until its trigger producer is registered (`worker list` fails until the demo has created its queue).
    const ready = async () => {
      const r = await db.run("worker", "list", "--all", "--queue", "demo_order", "--status", "ready", "--json");
      return r.code === 0 && (JSON.parse(r.stdout) as WorkerRow[]).length > 0;
    };
    while (!(await ready())) {
      if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}) before triggering`);
    }
    child.kill("SIGINT");

    expect(await exited).toBe(130);
    expect(await liveWorkers(db, "demo_order")).toEqual([]);
  });
});
