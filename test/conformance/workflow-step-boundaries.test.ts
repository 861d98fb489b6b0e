/**
 * Group commit of a worker's step boundaries (src/workflow/step-boundary-group.ts): concurrent runs of one worker
 * share statements, and each boundary is still decided as its single statement decides it: fenced completions,
 * acquisitions only while the run is live, outcomes and owner-checked archives, one error per member.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { StepBoundary, StepBoundaryResult } from "../../src/store/workflow-store.js";
import type { QueueMessage } from "../../src/types.js";
import { StepBoundaryGroup } from "../../src/workflow/step-boundary-group.js";
import { dialectOf, EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

let n = 0;

describe.each(EVERY_BACKEND)("workflow step boundaries on %s", (backend) => {
  it("a worker's concurrent runs, parallel steps included, each run every step once and end SUCCESS", async () => {
    const { store } = await openTestStore(backend, { pollIntervalMs: 5 });
    const name = `sb_runs_${++n}`;
    const executions = new Map<string, number>();
    const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
    const def = pgqrs.defineWorkflow({ name }, async (run, input: number) => {
      const a = await pgqrs.workflowStep(run, "one", () => {
        count(`${input}:one`);
        return input + 1;
      });
      const [b, c] = await Promise.all([
        pgqrs.workflowStep(run, "two", () => {
          count(`${input}:two`);
          return a * 2;
        }),
        pgqrs.workflowStep(run, "three", () => {
          count(`${input}:three`);
          return a * 3;
        }),
      ]);
      return pgqrs.workflowStep(run, "four", () => {
        count(`${input}:four`);
        return b + c;
      });
    });
    await pgqrs.workflow().name(def).create(store);
    const consumer = await store.consumer(name);
    const loop = pgqrs.workflow().name(def).consumer(consumer).concurrency(8).poll(store);
    const inputs = Array.from({ length: 24 }, (_, i) => i);
    const messages = await Promise.all(inputs.map((i) => pgqrs.workflow().name(def).trigger(i).execute(store)));
    const results = await Promise.all(
      messages.map((m) => pgqrs.run().message(m).store(store).result({ timeoutMs: 60_000 })),
    );
    expect(results).toEqual(inputs.map((i) => (i + 1) * 5));
    expect([...executions.values()].every((c) => c === 1)).toBe(true);
    expect(executions.size).toBe(inputs.length * 4);
    const run = await store.run(messages[5] as QueueMessage);
    const steps = await run.steps();
    expect(steps.map((s) => [s.stepName, s.status, s.output]).sort()).toEqual([
      ["four", "SUCCESS", 30],
      ["one", "SUCCESS", 6],
      ["three", "SUCCESS", 18],
      ["two", "SUCCESS", 12],
    ]);
    await consumer.interrupt();
    await loop;
    expect(await consumer.archive(messages[0]?.id as number)).toBe(false);
  });

  const grouped = dialectOf(backend) === "postgres";

  /** Runs started by a consumer, each with step "one" acquired under owner "o1". */
  async function startedRuns(k: number) {
    const t = await openTestStore(backend);
    const name = `sb_stmt_${++n}`;
    await t.store.createWorkflow(name);
    const consumer = await t.store.consumer(name);
    const b = t.store.context.backend;
    for (let i = 0; i < k; i++) await pgqrs.workflow(name).trigger({ i }).execute(t.store);
    const messages = await consumer.dequeue({ batchSize: k, vtSeconds: 600 });
    const runs = [];
    for (const message of messages.sort((x, y) => x.id - y.id)) {
      const run = await b.startRun({ message, now: t.clock.now() });
      await b.acquireStepOfRun({ runId: run.id, stepName: "one", now: t.clock.now(), owner: "o1" });
      runs.push({ run, message });
    }
    return { ...t, b, consumer, runs };
  }

  it.runIf(grouped)("decides each boundary of a shared statement as its single statement", async () => {
    const { store, b, consumer, runs, clock } = await startedRuns(4);
    const [A, B, C, D] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    await (await store.run(D.message)).cancel();
    const now = clock.now();
    const complete = (runId: number, owner: string) => ({ runId, stepName: "one", now, output: '{"v":1}', owner });
    const results = await b.stepBoundaries?.([
      {
        kind: "acquire",
        complete: complete(A.run.id, "o1"),
        acquire: { runId: A.run.id, stepName: "two", now, owner: "o1" },
      },
      {
        kind: "acquire",
        complete: complete(B.run.id, "stale"),
        acquire: { runId: B.run.id, stepName: "two", now, owner: "o1" },
      },
      {
        kind: "finish",
        complete: complete(C.run.id, "o1"),
        run: {
          id: C.run.id,
          from: ["RUNNING"],
          to: "SUCCESS",
          now,
          output: '"done"',
          messageId: C.message.id,
          workerId: consumer.id,
        },
      },
      { kind: "acquire", acquire: { runId: D.run.id, stepName: "two", now, owner: "o1" } },
    ]);
    const [a, bb, c, d] = results ?? [];
    expect(a).toMatchObject({ kind: "acquire", completed: true, runStatus: "RUNNING", acquired: true });
    expect(a?.kind === "acquire" && a.step?.stepName).toBe("two");
    expect(bb).toEqual({ kind: "acquire", completed: false, runStatus: "RUNNING", step: null, acquired: false });
    expect(c).toMatchObject({ kind: "finish", completed: true, archived: true });
    expect(c?.kind === "finish" && c.run?.status).toBe("SUCCESS");
    expect(d).toEqual({ kind: "acquire", completed: true, runStatus: "CANCELLING", step: null, acquired: false });
    const step = (runId: number, stepName: string) => b.getStep({ runId, stepName });
    expect((await step(A.run.id, "one"))?.output).toEqual({ v: 1 });
    // The stale completion changed nothing, and nothing was acquired after it.
    expect((await step(B.run.id, "one"))?.status).toBe("RUNNING");
    expect(await step(B.run.id, "two")).toBeNull();
    expect((await b.getRun(C.run.id))?.output).toBe("done");
    expect(await consumer.archive(C.message.id)).toBe(false);
    expect(await step(D.run.id, "two")).toBeNull();
  });

  it.runIf(grouped)("members that arrive during a statement share the next; a refused one fails alone", async () => {
    const { b, runs, clock } = await startedRuns(3);
    const statements: string[] = [];
    const group = new StepBoundaryGroup({
      stepBoundaries: (x) => {
        statements.push(`shared:${x.length}`);
        return b.stepBoundaries?.(x) as Promise<StepBoundaryResult[]>;
      },
      completeStepThenAcquire: (p) => {
        statements.push("alone");
        return b.completeStepThenAcquire?.(p) as ReturnType<NonNullable<typeof b.completeStepThenAcquire>>;
      },
      completeStepThenRunAndArchive: (p) =>
        b.completeStepThenRunAndArchive?.(p) as ReturnType<NonNullable<typeof b.completeStepThenRunAndArchive>>,
      acquireStepOfRun: (p) => b.acquireStepOfRun(p),
      completeRunAndArchive: (p) => b.completeRunAndArchive(p),
    });
    const now = clock.now();
    const boundary = (runId: number, output: string): StepBoundary => ({
      kind: "acquire",
      complete: { runId, stepName: "one", now, output, owner: "o1" },
      acquire: { runId, stepName: "two", now, owner: "o1" },
    });
    const [first, second, third] = runs.map((r) => r.run.id) as [number, number, number];
    const p1 = group.add(first, boundary(first, "1"));
    // Not JSON: the database refuses the shared statement, and then this member's own.
    const p2 = group.add(second, boundary(second, "{not json"));
    const p3 = group.add(third, boundary(third, "3"));
    expect(await p1).toMatchObject({ completed: true, acquired: true });
    expect((await thrown(() => p2)).code).toBe("QUERY_FAILED");
    expect(await p3).toMatchObject({ completed: true, acquired: true });
    expect(statements).toEqual(["alone", "shared:2", "alone", "alone"]);
    expect((await b.getStep({ runId: second, stepName: "one" }))?.status).toBe("RUNNING");
    expect((await b.getStep({ runId: third, stepName: "one" }))?.output).toBe(3);
  });
});
