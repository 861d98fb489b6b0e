/**
 * `pgqrs workflow retry`, `pgqrs workflow resume` and `pgqrs workflow fork` (issue 16 item 2) on each backend, as
 * the built CLI in a subprocess. Runs are set up with the library and served by a worker in this process: a run that
 * fails at step "b" (while the test says so), and runs asleep for two hours (only a resume ends them). Refusals exit
 * 1 (2 for usage) with the error on stderr, or as JSON with its code, and write nothing; the operations print what
 * they did, and `--json` the run acted on (for a fork, the new run).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { type ServedWorkflow, serveWorkflow, stepsAToC, untilRunStatus } from "../support/served-workflow.js";
import { assertBuilt, CliDatabase, runCli } from "./cli-harness.js";

beforeAll(assertBuilt);
// Every assertion spawns a CLI process; on a loaded machine that is ~0.5 s each.
vi.setConfig({ testTimeout: 120_000 });

type Mode = "steps" | "nap";
type JsonRun = { id: number; status: string; workflow: string | null; forkedFromRunId: number | null };

const HOUR_MS = 3_600_000;

describe.each(BACKENDS)("workflow retry, resume and fork in the CLI on %s", (backend) => {
  const db = new CliDatabase(backend);
  const name = "cli_ops";
  let served: ServedWorkflow | undefined;
  let store: pgqrs.Store;
  /** Executions of each step body; step "b" throws while `failB`. */
  const executed = { a: 0, b: 0, c: 0 };
  let failB = true;

  const def: pgqrs.WorkflowDefinition<{ mode: Mode }, unknown> = pgqrs.defineWorkflow(
    { name },
    async (run, input: { mode: Mode }) => {
      if (input.mode === "nap") {
        await run.sleep("nap", 2 * HOUR_MS);
        return "rested";
      }
      return stepsAToC(run, executed, () => failB);
    },
  );

  const trigger = async (mode: Mode) => (await pgqrs.workflow().name(def).trigger({ mode }).start(store)).run.id;
  const getRun = (id: number) => pgqrs.admin(store).getRun(id);
  const until = (id: number, status: pgqrs.WorkflowStatus) => untilRunStatus(store, id, status);
  /** Everything an operation could write: the workflow's runs and each one's steps. */
  const snapshot = async () => {
    const runs = await pgqrs.workflow(name).runs(store, { limit: 100 });
    return { runs, steps: await Promise.all(runs.map((r) => store.tables().workflowSteps().listForRun(r.id))) };
  };
  /** Exit code and `--json` error code of a refused command. */
  const refusal = async (...args: string[]) => {
    const r = await db.run(...args, "--json");
    return [r.code, (JSON.parse(r.stdout) as { error: { code: string } }).error.code];
  };

  beforeAll(async () => {
    expect(await db.ok("install")).toContain("Schema installed");
    served = await serveWorkflow(db, def, "cli-ops-worker");
    store = served.store;
  });
  afterAll(async () => {
    await served?.stop();
    await db.drop();
  });

  it("retry: refusals write nothing; a failed run replays its first step and runs the failed one again", async () => {
    const first = await trigger("steps");
    await until(first, "ERROR");
    const second = await trigger("steps");
    await until(second, "ERROR");
    expect(executed).toEqual({ a: 2, b: 2, c: 0 });

    const before = await snapshot();
    expect(await refusal("workflow", "retry", "987654")).toEqual([1, "RUN_NOT_FOUND"]);
    expect(await refusal("workflow", "resume", String(first))).toEqual([1, "INVALID_STATE_TRANSITION"]);
    const resumeHuman = await db.run("workflow", "resume", String(first));
    expect(resumeHuman.code).toBe(1);
    expect(resumeHuman.stdout).toBe("");
    expect(resumeHuman.stderr).toMatch(/^pgqrs: /);
    expect(resumeHuman.stderr).toContain(`Run ${first} is ERROR and not waiting`);
    const badId = await db.run("workflow", "retry", "x");
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("run id must be a whole number, got 'x'");
    expect((await db.run("workflow", "retry")).code).toBe(2);
    expect(await snapshot()).toEqual(before);

    failB = false;
    const shown = await db.ok("workflow", "retry", String(first));
    expect(shown.trim()).toBe(
      `Run ${first} of '${name}' is QUEUED: a worker serving it runs it again (succeeded steps replay). ` +
        `Follow it with \`pgqrs workflow run ${first}\`.`,
    );
    const json = await db.json<JsonRun>("workflow", "retry", String(second));
    expect(json).toMatchObject({ id: second, status: "QUEUED", workflow: name });
    expect((await until(first, "SUCCESS")).output).toEqual({ a: "A", b: "B", c: "C" });
    expect((await until(second, "SUCCESS")).output).toEqual({ a: "A", b: "B", c: "C" });
    expect(executed).toEqual({ a: 2, b: 4, c: 2 });

    // A SUCCESS run is not retried again.
    const done = await db.run("workflow", "retry", String(first));
    expect(done.code).toBe(1);
    expect(done.stderr).toContain(`Run ${first} is SUCCESS; only an ERROR or CANCELLED run can be retried`);
  });

  it("fork: --from-step is required and must name a step; the new run replays the steps before it", async () => {
    failB = false;
    const original = await trigger("steps");
    await until(original, "SUCCESS");
    const start = { ...executed };
    const before = await snapshot();
    const missing = await db.run("workflow", "fork", String(original));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--from-step NAME is required");
    expect(await refusal("workflow", "fork", String(original), "--from-step", "nope")).toEqual([
      1,
      "VALIDATION_FAILED",
    ]);
    const unknownStep = await db.run("workflow", "fork", String(original), "--from-step", "nope");
    expect(unknownStep.stderr).toContain(`'nope' is not a step of run ${original}`);
    expect(await refusal("workflow", "fork", "987654", "--from-step", "a")).toEqual([1, "RUN_NOT_FOUND"]);
    expect(await snapshot()).toEqual(before);

    const fork = await db.json<JsonRun>("workflow", "fork", String(original), "--from-step", "b");
    expect(fork).toMatchObject({ status: "QUEUED", workflow: name, forkedFromRunId: original });
    expect(fork.id).toBeGreaterThan(original);
    expect((await until(fork.id, "SUCCESS")).output).toEqual({ a: "A", b: "B", c: "C" });
    expect(executed).toEqual({ a: start.a, b: start.b + 1, c: start.c + 1 });

    const shown = await db.ok("workflow", "fork", String(original), "--from-step", "c");
    const again = Number(/new run (\d+) /.exec(shown)?.[1]);
    expect(shown.trim()).toBe(
      `Forked run ${original} from step "c": new run ${again} of '${name}' is QUEUED. ` +
        `Follow it with \`pgqrs workflow run ${again}\`.`,
    );
    await until(again, "SUCCESS");
    expect(executed).toEqual({ a: start.a, b: start.b + 1, c: start.c + 2 });
    expect((await getRun(original)).status).toBe("SUCCESS");
  });

  it("resume: a sleeping run wakes now and finishes; a run that is not waiting is refused", async () => {
    const napping = await trigger("nap");
    await until(napping, "PAUSED");
    const other = await trigger("nap");
    await until(other, "PAUSED");
    const before = await snapshot();
    expect(await refusal("workflow", "retry", String(napping))).toEqual([1, "INVALID_STATE_TRANSITION"]);
    expect(await refusal("workflow", "resume", "987654")).toEqual([1, "RUN_NOT_FOUND"]);
    expect(await snapshot()).toEqual(before);

    const shown = await db.ok("workflow", "resume", String(napping));
    expect(shown.trim()).toMatch(new RegExp(`^Run ${napping} of '${name}' resumes now \\((PAUSED|RUNNING)\\)\\.$`));
    expect((await until(napping, "SUCCESS")).output).toBe("rested");
    const json = await db.json<JsonRun>("workflow", "resume", String(other));
    expect(json).toMatchObject({ id: other, workflow: name });
    expect((await until(other, "SUCCESS")).output).toBe("rested");
    expect(await refusal("workflow", "resume", String(other))).toEqual([1, "INVALID_STATE_TRANSITION"]);
  });
});

describe("workflow retry, resume and fork in the help", () => {
  it("the group lists them; fork documents --from-step", async () => {
    const group = await runCli(["workflow", "--help"]);
    expect(group.code, group.stderr).toBe(0);
    expect(group.stdout).toMatch(/workflow retry\s+Put an ERROR or CANCELLED run back to work/);
    expect(group.stdout).toMatch(/workflow resume\s+Wake a waiting run now/);
    expect(group.stdout).toMatch(/workflow fork\s+Start a new run with a run's input/);
    const fork = await runCli(["workflow", "fork", "--help"]);
    expect(fork.stdout).toContain("--from-step NAME");
    expect(fork.stdout).toContain("Usage: pgqrs workflow fork <run-id> [options]");
  });
});
