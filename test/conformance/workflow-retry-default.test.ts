/**
 * Errors retry by default (issue 16, DECISIONS.md item 16), in virtual time on both backends: any error a step throws
 * is retried under the step's policy (default 3 retries: 1 s, 2 s, 4 s ± 1 s), each failure is kept in the step's
 * `attemptErrors`; a `NonRetryableError`, `guard.failPermanent` and `retry: false` fail at once; a step's policy
 * replaces its definition's; bad policies are VALIDATION_FAILED with nothing written.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { drive, openPrimitives, POLL_MS, type PrimitivesStore, wfName } from "../support/primitives.js";
import { thrown } from "../support/stores.js";

/** Wait in real time, without letting virtual time pass, until `cond` holds. */
async function until(cond: () => Promise<boolean>): Promise<void> {
  await expect.poll(cond, { timeout: 8_000, interval: 5 }).toBe(true);
}

/**
 * The step `name` of the run of `message`, once it has `n` attempt errors, letting virtual time pass a poll interval
 * at a time (up to a minute) while it has not: a retry happens when it is due, and the worker's poll may come a
 * little after that.
 */
async function failedTimes(p: PrimitivesStore, message: { id: number }, name: string, n: number) {
  let step: pgqrs.StepRecord | null = null;
  await drive(
    p.clock,
    async () => {
      const run = await p.runOf(message);
      step = run === null ? null : await p.store.tables().workflowSteps().get(run.id, name);
      return step !== null && step.attemptErrors.length >= n;
    },
    { stepMs: POLL_MS, maxMs: 60_000 },
  );
  return step as unknown as pgqrs.StepRecord;
}

/** The run of `message` once it is in a terminal state (virtual time stands still). */
async function finished(p: PrimitivesStore, message: { id: number }): Promise<pgqrs.RunRecord> {
  await until(async () => ["SUCCESS", "ERROR"].includes((await p.runOf(message))?.status ?? ""));
  return (await p.runOf(message)) as pgqrs.RunRecord;
}

/** {@link finished}, letting virtual time pass a poll interval at a time (a retry may be due first). */
async function finishedAfterRetries(p: PrimitivesStore, message: { id: number }): Promise<pgqrs.RunRecord> {
  await drive(p.clock, async () => ["SUCCESS", "ERROR"].includes((await p.runOf(message))?.status ?? ""), {
    stepMs: POLL_MS,
    maxMs: 60_000,
  });
  return (await p.runOf(message)) as pgqrs.RunRecord;
}

describe.each(EVERY_BACKEND)("errors retry by default on %s", (backend) => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("retries a TypeError 3 times after 1 s, 2 s and 4 s, keeps its 4 attempt errors, then the run is ERROR", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5); // no jitter: 4 s ± 0
    const p = await openPrimitives(backend);
    const name = wfName("fetchy");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) =>
      run.step("fetch", async () => {
        calls += 1;
        throw new TypeError("fetch failed");
      }),
    );
    // Triggered before the worker starts, so its first poll finds the run: virtual time stands still throughout,
    // and moves only to each retry time.
    await p.store.createWorkflow(name);
    const msg = await pgqrs.workflow(name).trigger({}).execute(p.store);
    await p.serve(def);
    const delays: number[] = [];
    const retryAts: number[] = [];
    for (let n = 1; n <= 3; n++) {
      const step = await failedTimes(p, msg, "fetch", n);
      const last = step.attemptErrors.at(-1)!;
      expect(step.status).toBe("ERROR");
      expect(step.retryCount).toBe(n);
      // Counted from the execution's start (the time the guard acquired the step at).
      delays.push(step.retryAt!.getTime() - step.startedAt!.getTime());
      expect(last.at.getTime()).toBeGreaterThanOrEqual(step.startedAt!.getTime());
      retryAts.push(step.retryAt!.getTime());
      expect((await p.runOf(msg))?.status).toBe("RUNNING");
      // The run's message is put back until the retry time (not counted as a delivery), then the worker executes
      // the step again.
      await until(async () => (await p.store.tables().messages().get(msg.id))?.consumerWorkerId === null);
      expect((await p.store.tables().messages().get(msg.id))?.vt).toEqual(step.retryAt);
      p.clock.set(step.retryAt!.getTime());
    }
    expect(delays).toEqual([1_000, 2_000, 4_000]);
    const run = await finishedAfterRetries(p, msg);
    expect(run.status).toBe("ERROR");
    expect(calls).toBe(4);
    const step = await p.store.tables().workflowSteps().get(run.id, "fetch");
    expect(step?.retryAt).toBeNull();
    expect(step?.retryCount).toBe(3);
    const thrownError = { is_transient: true, code: "TypeError", message: "fetch failed" };
    expect(step?.error).toEqual(thrownError);
    expect(step?.attemptErrors.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(step?.attemptErrors.map((e) => e.error)).toEqual([thrownError, thrownError, thrownError, thrownError]);
    // Never executed before its retry time.
    const ats = step?.attemptErrors.map((e) => e.at.getTime()) ?? [];
    expect(ats.slice(1).every((t, i) => t >= retryAts[i]!)).toBe(true);
    expect(run.error).toMatchObject({ is_transient: false, code: "RETRIES_EXHAUSTED" });
    expect(String((run.error as { message: string }).message)).toContain("fetch failed");
    // The same history is what a run handle's steps() and the step table show.
    const steps = await pgqrs.workflow(name).steps(run.id, p.store);
    expect(steps[0]?.attemptErrors).toEqual(step?.attemptErrors);
  });

  it("fails the step and the run at once on a NonRetryableError", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("nonretry");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) =>
      run.step("charge", async () => {
        calls += 1;
        throw new pgqrs.NonRetryableError("card declined");
      }),
    );
    await p.store.createWorkflow(name);
    const t0 = p.clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger({}).execute(p.store);
    await p.serve(def);
    const run = await finished(p, msg);
    expect(p.clock.now().getTime()).toBe(t0);
    expect(calls).toBe(1);
    expect(run.status).toBe("ERROR");
    const stored = { is_transient: false, code: "NON_RETRYABLE", message: "card declined" };
    expect(run.error).toEqual(stored);
    const step = await p.store.tables().workflowSteps().get(run.id, "charge");
    expect(step).toMatchObject({ status: "ERROR", retryAt: null, retryCount: 0, error: stored });
    expect(step?.attemptErrors).toEqual([{ attempt: 1, at: new Date(t0), error: stored }]);
    const err = await thrown(() => pgqrs.run().message(msg).store(p.store).result({ timeoutMs: 1_000 }));
    expect(err.code).toBe("EXECUTION_FAILED");
    expect(new pgqrs.NonRetryableError("x")).toBeInstanceOf(pgqrs.PgqrsError);
    expect(new pgqrs.NonRetryableError("x").code).toBe("NON_RETRYABLE");
  });

  it("guard.failPermanent fails the step for good whatever the policy; thrown on, it fails the run at once", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("permanent");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name, retry: { maxAttempts: 9 } }, async (run) => {
      const r = await run.acquireStep("charge");
      if (r.status === "SKIPPED") return r.value;
      calls += 1;
      const err = new TypeError("card declined");
      await r.guard.failPermanent(err);
      throw err;
    });
    await p.store.createWorkflow(name);
    const t0 = p.clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger({}).execute(p.store);
    await p.serve(def);
    const run = await finished(p, msg);
    expect(calls).toBe(1);
    expect(run.status).toBe("ERROR");
    expect(p.clock.now().getTime()).toBe(t0);
    const stored = { is_transient: false, code: "NON_RETRYABLE", message: "card declined" };
    expect(run.error).toEqual(stored);
    const step = await p.store.tables().workflowSteps().get(run.id, "charge");
    expect(step).toMatchObject({ status: "ERROR", retryAt: null, error: stored });
    expect(step?.attemptErrors).toEqual([{ attempt: 1, at: new Date(t0), error: stored }]);
    // The step failed for good: acquiring it again is RETRIES_EXHAUSTED.
    const handle = await pgqrs.run().message(msg).store(p.store).execute();
    expect((await thrown(() => handle.acquireStep("charge"))).code).toBe("RETRIES_EXHAUSTED");
    // A transient error given to failPermanent is stored as permanent, with its own code.
    const unserved = `${name}_unserved`;
    await p.store.createWorkflow(unserved);
    const other = await pgqrs.workflow(unserved).trigger({}).execute(p.store);
    const [m] = await (await p.store.consumer(unserved)).dequeue();
    expect(m?.id).toBe(other.id);
    const manual = await pgqrs.run().message(m!).store(p.store).execute();
    const acquired = await manual.acquireStep("s");
    if (acquired.status !== "EXECUTE") throw new Error("expected EXECUTE");
    const row = await acquired.guard.failPermanent(new pgqrs.TransientStepError("DECLINED", "card declined"));
    expect(row.error).toEqual({ is_transient: false, code: "DECLINED", message: "card declined" });
    expect(row.retryAt).toBeNull();
    expect(row.attemptErrors).toHaveLength(1);
  });

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

  it("keeps a TransientStepError's retryAfterMs, and retries an error workflow code rethrows wrapped as a cause", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("transient");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      try {
        return await run.step("call", async () => {
          calls += 1;
          if (calls === 1) throw new pgqrs.TransientStepError("RATE_LIMITED", "slow down", { retryAfterMs: 7_000 });
          if (calls === 2) throw new Error("socket hang up");
          return "done";
        });
      } catch (err) {
        throw new Error("calling the API failed", { cause: err });
      }
    });
    await p.store.createWorkflow(name);
    const msg = await pgqrs.workflow(name).trigger({}).execute(p.store);
    await p.serve(def);
    const first = await failedTimes(p, msg, "call", 1);
    expect(first.retryAt!.getTime() - first.startedAt!.getTime()).toBe(7_000);
    expect(first.attemptErrors[0]?.error).toEqual({
      is_transient: true,
      code: "RATE_LIMITED",
      message: "slow down",
      retry_after: 7,
    });
    const second = await failedTimes(p, msg, "call", 2);
    expect(second.retryAt!.getTime() - second.startedAt!.getTime()).toBe(2_000); // the policy's second delay
    const run = await finishedAfterRetries(p, msg);
    expect(run).toMatchObject({ status: "SUCCESS", output: "done" });
    expect(calls).toBe(3);
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
