/**
 * Crash tests of `retryRun` and `forkRun` (issue 16) with SIGKILLed processes on both backends: a worker killed
 * inside the step a fork (or a retry) executes again is taken over, and no step before `fromStep` ever runs again;
 * a process killed while it forks leaves only whole forks (a trigger message, its run and its copied steps), each
 * of which then completes.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND, freshDatabase, manyProcesses, type BackendName } from "../support/backends.js";
import { kill9, spawnFixture } from "../support/child.js";

const FIXTURE = "test/fixtures/workflow-run-operations-child.ts";
const RESULT = { timeoutMs: 30_000, pollIntervalMs: 20 };

function effects(logFile: string): string[] {
  return existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").filter(Boolean) : [];
}

/** The side effects a run's steps logged, as `step:n`. */
function effectsOf(logFile: string, runId: number): string[] {
  return effects(logFile)
    .filter((l) => l.endsWith(`:${runId}`))
    .map((l) => l.slice(0, l.lastIndexOf(":")));
}

async function setUp(backend: BackendName) {
  const { dsn, schema } = freshDatabase(backend);
  const logFile = join(mkdtempSync(join(tmpdir(), "pgqrs-ops-crash-")), "effects.log");
  const store = await pgqrs.connect(dsn, { schema });
  await pgqrs.admin(store).install();
  const name = "opsy";
  await store.createWorkflow(name);
  const spawn = <T>(mode: string, runId?: number) =>
    spawnFixture<T>(FIXTURE, [dsn, schema, name, logFile, mode, String(runId ?? 0)]);
  const stop = async (c: { child: import("node:child_process").ChildProcess }) => {
    if (c.child.exitCode !== null) return;
    const gone = new Promise((r) => c.child.once("exit", r));
    c.child.kill("SIGTERM");
    await gone;
  };
  const messageOf = async (run: pgqrs.RunRecord) => (await store.tables().messages().get(run.messageId))!;
  return { store, name, logFile, spawn, stop, messageOf, admin: pgqrs.admin(store) };
}

/** Wait (real time, bounded) until `cond` holds. */
async function until(cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(EVERY_BACKEND)("retry and fork across SIGKILLed processes on %s", (backend) => {
  it.skipIf(!manyProcesses(backend))(
    "a worker killed inside a fork's first executed step is taken over; the copied step never runs again",
    async () => {
      const t = await setUp(backend);
      const msg = await pgqrs.workflow(t.name).trigger({ n: 7 }).execute(t.store);
      const worker = await t.spawn<{ ready: boolean }>("normal");
      expect(await pgqrs.run().message(msg).store(t.store).result(RESULT)).toEqual({ n: 7, doubled: 14 });
      await t.stop(worker);
      const original = await t.admin.getRun((await t.store.tables().workflowRuns().getByMessageId(msg.id))!.id);

      const fork = await t.admin.forkRun(original.id, { fromStep: "step2" });
      const slow = await t.spawn<{ inStep2: number }>("slow");
      expect(slow.first.inStep2).toBe(fork.id);
      await kill9(slow.child);
      expect(effectsOf(t.logFile, fork.id)).toEqual([]);
      expect((await t.admin.getRun(fork.id)).status).toBe("RUNNING");

      // Taken over once the dead worker's 2 s lease has passed.
      const next = await t.spawn<{ ready: boolean }>("normal");
      const forkResult = await pgqrs
        .run()
        .message(await t.messageOf(fork))
        .store(t.store)
        .result(RESULT);
      expect(forkResult).toEqual({ n: 7, doubled: 14 });
      await t.stop(next);
      expect(effectsOf(t.logFile, original.id)).toEqual(["step1:7", "step2:7", "step3:7"]);
      // step1 replayed from the copy; step2 executed once to completion (the killed attempt hung before its effect).
      expect(effectsOf(t.logFile, fork.id)).toEqual(["step2:7", "step3:7"]);
      expect(await t.admin.getRun(fork.id)).toMatchObject({ status: "SUCCESS", forkedFromRunId: original.id });
      expect(await t.admin.getRun(original.id)).toMatchObject({ status: "SUCCESS", output: original.output });
      await t.store.close();
    },
    90_000,
  );

  it.skipIf(!manyProcesses(backend))(
    "a process killed while it forks leaves only whole forks, and each of them completes",
    async () => {
      const t = await setUp(backend);
      const msg = await pgqrs.workflow(t.name).trigger({ n: 3 }).execute(t.store);
      const worker = await t.spawn<{ ready: boolean }>("normal");
      await pgqrs.run().message(msg).store(t.store).result(RESULT);
      await t.stop(worker);
      const original = (await t.store.tables().workflowRuns().getByMessageId(msg.id))!;

      const forker = await t.spawn<{ forked: number }>("forker", original.id);
      expect(forker.first.forked).toBeGreaterThan(original.id);
      await until(async () => (await t.store.tables().workflowRuns().count({})) >= 6);
      await kill9(forker.child);

      const runs = await t.store.tables().workflowRuns().list({ limit: 10_000 });
      const forks = runs.filter((r) => r.id !== original.id);
      expect(forks.length).toBeGreaterThanOrEqual(5);
      // Every message has its run and every fork has its copied step: no fork was left half written.
      const messages = await t.store.tables().messages().list({ state: "all", limit: 10_000 });
      expect(messages.length).toBe(runs.length);
      for (const f of forks) {
        expect(f).toMatchObject({ status: "QUEUED", forkedFromRunId: original.id, input: original.input });
        const steps = await t.store.tables().workflowSteps().listForRun(f.id);
        expect(steps.map((s) => [s.stepName, s.status, s.output])).toEqual([["step1", "SUCCESS", 3]]);
      }

      const next = await t.spawn<{ ready: boolean }>("normal");
      for (const f of forks) {
        expect(
          await pgqrs
            .run()
            .message(await t.messageOf(f))
            .store(t.store)
            .result(RESULT),
        ).toEqual({ n: 3, doubled: 6 });
      }
      await t.stop(next);
      for (const f of forks) expect(effectsOf(t.logFile, f.id)).toEqual(["step2:3", "step3:3"]);
      await t.store.close();
    },
    90_000,
  );

  it.skipIf(!manyProcesses(backend))(
    "a worker killed inside a retried step is taken over; the run ends SUCCESS with each step's effect once",
    async () => {
      const t = await setUp(backend);
      const msg = await pgqrs.workflow(t.name).trigger({ n: 5 }).execute(t.store);
      const failing = await t.spawn<{ ready: boolean }>("fail");
      await until(async () => (await t.store.tables().workflowRuns().getByMessageId(msg.id))?.status === "ERROR");
      await t.stop(failing);
      const failed = (await t.store.tables().workflowRuns().getByMessageId(msg.id))!;
      expect(effectsOf(t.logFile, failed.id)).toEqual(["step1:5"]);

      await t.admin.retryRun(failed.id);
      const slow = await t.spawn<{ inStep2: number }>("slow");
      expect(slow.first.inStep2).toBe(failed.id);
      await kill9(slow.child);

      const next = await t.spawn<{ ready: boolean }>("normal");
      expect(await pgqrs.run().message(msg).store(t.store).result(RESULT)).toEqual({ n: 5, doubled: 10 });
      await t.stop(next);
      expect(effectsOf(t.logFile, failed.id)).toEqual(["step1:5", "step2:5", "step3:5"]);
      expect((await t.admin.getRun(failed.id)).status).toBe("SUCCESS");
      await t.store.close();
    },
    90_000,
  );
});
