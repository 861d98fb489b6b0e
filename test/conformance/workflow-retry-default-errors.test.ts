/**
 * Errors retry by default (issue 16, DECISIONS.md item 16), in virtual time on both backends: any error a step throws
 * is retried under the step's policy (default 3 retries: 1 s, 2 s, 4 s ± 1 s), each failure is kept in the step's
 * `attemptErrors`, a `TransientStepError`'s `retryAfterMs` is kept; a `NonRetryableError` and `guard.failPermanent`
 * fail at once. `retry: false` and the policies: workflow-retry-default-policies.test.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";
import { failedTimes, finished, finishedAfterRetries, until } from "../support/retry-waits.js";
import { thrown } from "../support/stores.js";

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
});
