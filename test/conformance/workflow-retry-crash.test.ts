/**
 * Crash tests of retried steps (issue 16): a worker process SIGKILLed inside a retry of a step that threw an
 * ordinary error. Another process takes the run over once the dead one's lease has passed; the run still ends as its
 * errors say (SUCCESS when the step then succeeds, ERROR once its retries are used up), and the step's attempt
 * errors are consistent: one per failed execution, numbered by the retry budget, none for the killed execution.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND, freshDatabase, manyProcesses } from "../support/backends.js";
import { kill9, spawnFixture } from "../support/child.js";

const FIXTURE = "test/fixtures/workflow-retry-child.ts";

function executions(logFile: string, n: number): number {
  return existsSync(logFile)
    ? readFileSync(logFile, "utf8")
        .split("\n")
        .filter((l) => l === `fetch:${n}`).length
    : 0;
}

async function setup(backend: (typeof EVERY_BACKEND)[number], name: string) {
  const { dsn, schema } = freshDatabase(backend);
  const logFile = join(mkdtempSync(join(tmpdir(), "pgqrs-retry-crash-")), "effects.log");
  const store = await pgqrs.connect(dsn, { schema });
  await pgqrs.admin(store).install();
  await store.createWorkflow(name);
  return { dsn, schema, logFile, store };
}

/** Trigger, let a first process fail the step once and die inside its retry, then let a second process finish. */
async function crashInRetry(backend: (typeof EVERY_BACKEND)[number], name: string, fail: "twice" | "always") {
  const { dsn, schema, logFile, store } = await setup(backend, name);
  const msg = await pgqrs.workflow(name).trigger({ n: 7, fail }).execute(store);
  // A 2 s lease, so the second process can take the run over soon after the first one dies.
  const first = await spawnFixture<{ inRetry: number }>(FIXTURE, [dsn, schema, name, logFile, "kill", "2"]);
  const runId = first.first.inRetry;
  await kill9(first.child);
  const killed = await store.tables().workflowSteps().get(runId, "fetch");
  // Killed inside the second execution: the first failure is kept, the second left nothing but a RUNNING step.
  expect(killed).toMatchObject({ status: "RUNNING", retryCount: 1 });
  expect(killed?.attemptErrors.map((a) => a.attempt)).toEqual([1]);
  expect(executions(logFile, 7)).toBe(2);
  const second = await spawnFixture<{ ready: boolean }>(FIXTURE, [dsn, schema, name, logFile, "normal", "30"]);
  const outcome = await pgqrs
    .run()
    .message(msg)
    .store(store)
    .result({ timeoutMs: 60_000 })
    .then(
      (output) => ({ output }),
      (error: pgqrs.PgqrsError) => ({ error }),
    );
  second.child.kill("SIGTERM");
  await new Promise((r) => second.child.once("exit", r));
  const run = await pgqrs.workflow(name).getRun(msg.id, store);
  const step = await store.tables().workflowSteps().get(run.id, "fetch");
  const result = { outcome, run, step, executions: executions(logFile, 7) };
  await store.close();
  return result;
}

describe.each(EVERY_BACKEND)("a worker killed inside a retried step on %s", (backend) => {
  it.skipIf(!manyProcesses(backend))(
    "is taken over: the step succeeds at its third execution and keeps the one error it had",
    async () => {
      const r = await crashInRetry(backend, "retry_crash_ok", "twice");
      expect(r.outcome).toEqual({ output: { n: 7, execution: 3 } });
      expect(r.run.status).toBe("SUCCESS");
      expect(r.executions).toBe(3);
      expect(r.step).toMatchObject({ status: "SUCCESS", retryCount: 1, retryAt: null });
      expect(r.step?.attemptErrors.map((a) => [a.attempt, (a.error as { message: string }).message])).toEqual([
        [1, "fetch failed (execution 1)"],
      ]);
    },
    120_000,
  );

  it.skipIf(!manyProcesses(backend))(
    "is taken over: the step fails until its retries are used up, one attempt error per failed execution",
    async () => {
      const r = await crashInRetry(backend, "retry_crash_error", "always");
      expect("error" in r.outcome && r.outcome.error.code).toBe("EXECUTION_FAILED");
      expect(r.run.status).toBe("ERROR");
      expect(r.run.error).toMatchObject({ code: "RETRIES_EXHAUSTED" });
      // 1 failed, 2 killed, then 3, 4 and 5 failed: the killed execution is retried under the same budget.
      expect(r.executions).toBe(5);
      expect(r.step).toMatchObject({ status: "ERROR", retryCount: 3, retryAt: null });
      expect(r.step?.attemptErrors.map((a) => [a.attempt, (a.error as { message: string }).message])).toEqual([
        [1, "fetch failed (execution 1)"],
        [2, "fetch failed (execution 3)"],
        [3, "fetch failed (execution 4)"],
        [4, "fetch failed (execution 5)"],
      ]);
      const ats = r.step?.attemptErrors.map((a) => a.at.getTime()) ?? [];
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
    },
    120_000,
  );
});
