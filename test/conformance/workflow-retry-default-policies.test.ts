/**
 * Retry policies (issue 16, DECISIONS.md item 16), in virtual time on both backends: `retry: false` on a definition
 * or a step fails at once; a step's policy replaces its definition's; bad policies are VALIDATION_FAILED with nothing
 * written. Which errors retry, and how: workflow-retry-default-errors.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";
import { failedTimes, finished, finishedAfterRetries } from "../support/retry-waits.js";

describe.each(EVERY_BACKEND)("errors retry by default on %s", (backend) => {
  it("retry: false on the definition fails the run at the first error; a step's own policy replaces it", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("noretry");
    const calls = { a: 0, b: 0 };
    const def = pgqrs.defineWorkflow({ name, retry: false }, async (run, input: { step: "a" | "b" }) => {
      if (input.step === "a") {
        return run.step("a", async () => {
          calls.a += 1;
          throw new Error("boom");
        });
      }
      return run.step(
        "b",
        async () => {
          calls.b += 1;
          if (calls.b < 3) throw new Error("flaky");
          return "ok";
        },
        { retry: { maxAttempts: 2, backoff: pgqrs.BackoffStrategy.fixed(500) } },
      );
    });
    await p.store.createWorkflow(name);
    const a = await pgqrs.workflow(name).trigger({ step: "a" }).execute(p.store);
    const b = await pgqrs.workflow(name).trigger({ step: "b" }).execute(p.store);
    await p.serve(def);
    const runA = await finished(p, a);
    expect(runA.status).toBe("ERROR");
    expect(calls.a).toBe(1);
    expect(runA.error).toMatchObject({ code: "RETRIES_EXHAUSTED" });
    const stepA = await p.store.tables().workflowSteps().get(runA.id, "a");
    expect(stepA).toMatchObject({ retryAt: null, retryCount: 0 });
    expect(stepA?.attemptErrors.map((e) => e.attempt)).toEqual([1]);
    for (let n = 1; n <= 2; n++) {
      const step = await failedTimes(p, b, "b", n);
      expect(step.retryAt!.getTime() - step.startedAt!.getTime()).toBe(500);
    }
    const runB = await finishedAfterRetries(p, b);
    expect(runB).toMatchObject({ status: "SUCCESS", output: "ok" });
    expect(calls.b).toBe(3);
    const stepB = await p.store.tables().workflowSteps().get(runB.id, "b");
    // A step that succeeded after failures keeps their errors.
    expect(stepB).toMatchObject({ status: "SUCCESS", retryCount: 2 });
    expect(stepB?.attemptErrors.map((e) => [e.attempt, (e.error as { message: string }).message])).toEqual([
      [1, "flaky"],
      [2, "flaky"],
    ]);
  });

  it("retry: false on a step fails it at once under a definition that retries; the definition's policy applies to the others", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("steppolicy");
    const calls = { once: 0, twice: 0 };
    const def = pgqrs.defineWorkflow(
      { name, retry: { maxAttempts: 1, backoff: pgqrs.BackoffStrategy.fixed(300) } },
      async (run, input: { which: string }) => {
        if (input.which === "once") {
          return run.step(
            "once",
            async () => {
              calls.once += 1;
              throw new RangeError("out of range");
            },
            { retry: false },
          );
        }
        return run.step("twice", async () => {
          calls.twice += 1;
          throw new Error("still failing");
        });
      },
    );
    await p.store.createWorkflow(name);
    const once = await pgqrs.workflow(name).trigger({ which: "once" }).execute(p.store);
    const twice = await pgqrs.workflow(name).trigger({ which: "twice" }).execute(p.store);
    await p.serve(def);
    const runOnce = await finished(p, once);
    expect(runOnce.status).toBe("ERROR");
    expect(calls.once).toBe(1);
    const first = await failedTimes(p, twice, "twice", 1);
    expect(first.retryAt!.getTime() - first.startedAt!.getTime()).toBe(300);
    const runTwice = await finishedAfterRetries(p, twice);
    expect(runTwice.status).toBe("ERROR");
    expect(calls.twice).toBe(2);
    const step = await p.store.tables().workflowSteps().get(runTwice.id, "twice");
    expect(step?.attemptErrors.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it("refuses bad policies with VALIDATION_FAILED: on the definition at once, on a step before anything is written", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("badpolicy");
    const fn = async () => null;
    const bad: unknown[] = [
      { maxAttempts: -1 },
      { maxAttempts: 1.5 },
      { maxAttempts: Number.NaN },
      { backoff: { kind: "linear", delayMs: 5 } },
      { backoff: { kind: "toString" } },
      { backoff: pgqrs.BackoffStrategy.fixed(-5) },
      { backoff: pgqrs.BackoffStrategy.exponential(1_000, Number.POSITIVE_INFINITY) },
      { backoff: null },
      true,
      "3",
      null,
      [],
    ];
    for (const retry of bad) {
      let err: unknown;
      try {
        pgqrs.defineWorkflow({ name, retry: retry as pgqrs.RetryOption }, fn);
      } catch (e) {
        err = e;
      }
      expect(pgqrs.isPgqrsError(err, "VALIDATION_FAILED"), `retry ${JSON.stringify(retry)}`).toBe(true);
    }
    expect(pgqrs.defineWorkflow({ name, retry: false }, fn).retry).toBe(false);
    await p.store.createWorkflow(name);
    await pgqrs.workflow(name).trigger({}).execute(p.store);
    const [m] = await (await p.store.consumer(name)).dequeue();
    const run = await pgqrs.run().message(m!).store(p.store).execute();
    let calls = 0;
    for (const retry of bad) {
      await p.expectNothingWritten("VALIDATION_FAILED", () =>
        run.step(
          "s",
          async () => {
            calls += 1;
          },
          { retry: retry as pgqrs.RetryOption },
        ),
      );
    }
    expect(calls).toBe(0);
  });
});
