import { afterEach, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

// Step failures and the retry schedule as the reference's §1.10.5 describes them.
describe("the default retry delay", () => {
  const backoff = pgqrs.defaultRetryPolicy().backoff;
  const delays = (attempt: number) =>
    [0, 0.3, 0.5, 0.7, 0.999_999].map((r) => pgqrs.retryDelayMs(backoff, attempt, () => r));

  it("is 1 s, then 2 s, without jitter", () => {
    expect(new Set(delays(0))).toEqual(new Set([1_000]));
    expect(new Set(delays(1))).toEqual(new Set([2_000]));
  });

  it("then jitters by whole seconds, up to ±floor(25% of the delay in seconds)", () => {
    expect(delays(2)).toEqual([3_000, 3_000, 4_000, 5_000, 5_000]);
    expect(delays(3)).toEqual([6_000, 7_000, 8_000, 9_000, 10_000]);
    expect(delays(10)).toEqual([45_000, 54_000, 60_000, 66_000, 75_000]);
  });

  it("keeps custom policies and exact retryAfter overrides working", () => {
    expect(pgqrs.retryDelayMs(pgqrs.BackoffStrategy.fixed(250), 5)).toBe(250);
    expect(pgqrs.retryDelayMs(pgqrs.BackoffStrategy.exponential(100, 1_000), 3)).toBe(800);
    expect(pgqrs.retryDelayMs(pgqrs.BackoffStrategy.exponentialWithJitter(500, 1_000), 1, () => 0.99)).toBe(1_000);
  });
});

describe.each(EVERY_BACKEND)("workflow step retries per spec on %s", (backend) => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  let n = 0;
  const openRun = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const name = `wfr_${n}`;
    await t.store.createWorkflow(name);
    const consumer = await t.store.consumer(name);
    await pgqrs.workflow(name).trigger({}).execute(t.store);
    const [m] = await consumer.dequeue();
    const run = await pgqrs.run().message(m!).store(t.store).execute();
    await run.start();
    return { ...t, run };
  };

  it("stores a transient step error's raw message, not the error's display text", async () => {
    const { run, store } = await openRun();
    const s = await run.acquireStep("fetch");
    if (s.status !== "EXECUTE") throw new Error("expected EXECUTE");
    const row = await s.guard.failTransient("TIMEOUT", "Connection timeout");
    expect(row.error).toEqual({
      is_transient: true,
      code: "TIMEOUT",
      message: "Connection timeout",
      retry_after: null,
    });
    const err = await thrown(() =>
      pgqrs.workflowStep(run, "thrown", async () => {
        throw new pgqrs.TransientStepError("RATE_LIMITED", "slow down", { retryAfterMs: 2_000 });
      }),
    );
    expect(err.message).toBe("Transient error (RATE_LIMITED): slow down");
    expect((err as pgqrs.TransientStepError).transientMessage).toBe("slow down");
    const thrownRow = await store.tables().workflowSteps().get(run.id, "thrown");
    expect(thrownRow?.error).toEqual({
      is_transient: true,
      code: "RATE_LIMITED",
      message: "slow down",
      retry_after: 2,
    });
  });

  it("words RETRIES_EXHAUSTED as 'Step failed after 3 attempts: <stored error>', in the step and at acquire", async () => {
    const { run, clock } = await openRun();
    const expected =
      'Step failed after 3 attempts: {"is_transient":true,"code":"TIMEOUT","message":"Connection timeout","retry_after":null}';
    let last: Error & { code?: string } = new Error("never thrown");
    for (let attempt = 0; attempt < 4; attempt++) {
      last = await thrown(() =>
        pgqrs.workflowStep(run, "flaky", async () => {
          throw new pgqrs.TransientStepError("TIMEOUT", "Connection timeout");
        }),
      );
      clock.advance(10_000);
    }
    expect(last.code).toBe("RETRIES_EXHAUSTED");
    expect(last.message).toBe(expected);
    const atAcquire = await thrown(() => run.acquireStep("flaky"));
    expect(atAcquire.code).toBe("RETRIES_EXHAUSTED");
    expect(atAcquire.message).toBe(expected);
    expect(atAcquire.details?.attempts).toBe(3);
  });

  it("schedules the default policy's retries 1 s, 2 s, then 4 s ± 1 s after each failure", async () => {
    const { run, clock } = await openRun();
    vi.spyOn(Math, "random").mockReturnValue(0.999_999);
    let t = clock.now().getTime();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const s = await run.acquireStep("flaky", { currentTime: new Date(t) });
      if (s.status !== "EXECUTE") throw new Error("expected EXECUTE");
      const row = await s.guard.failTransient("TIMEOUT", "Connection timeout");
      delays.push(row.retryAt!.getTime() - t);
      t = row.retryAt!.getTime();
    }
    expect(delays).toEqual([1_000, 2_000, 5_000]);
    const s = await run.acquireStep("exact", { currentTime: new Date(t) });
    if (s.status !== "EXECUTE") throw new Error("expected EXECUTE");
    const row = await s.guard.failTransient("RATE", "later", { retryAfterMs: 1_234 });
    expect(row.retryAt!.getTime() - t).toBe(1_234);
  });

  it("refuses a negative, NaN or infinite retryAfterMs with VALIDATION_FAILED and leaves the step as it was", async () => {
    const { run, store } = await openRun();
    const s = await run.acquireStep("held");
    if (s.status !== "EXECUTE") throw new Error("expected EXECUTE");
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = await thrown(() => s.guard.failTransient("TIMEOUT", "Connection timeout", { retryAfterMs: bad }));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain("Invalid retry_after");
      expect(err.message).toContain(String(bad));
    }
    const thrownInStep = await thrown(() =>
      pgqrs.workflowStep(run, "thrown", async () => {
        throw new pgqrs.TransientStepError("TIMEOUT", "Connection timeout", { retryAfterMs: Number.NaN });
      }),
    );
    expect(thrownInStep.code).toBe("VALIDATION_FAILED");
    for (const name of ["held", "thrown"]) {
      const row = await store.tables().workflowSteps().get(run.id, name);
      expect(row).toMatchObject({ status: "RUNNING", error: null, retryAt: null, retryCount: 0 });
    }
    await s.guard.success("still held");
    expect((await store.tables().workflowSteps().get(run.id, "held"))?.status).toBe("SUCCESS");
  });

  it("refuses a negative, NaN or infinite pause with VALIDATION_FAILED and leaves the run RUNNING", async () => {
    const { run } = await openRun();
    for (const bad of [-1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      const err = await thrown(() => run.pause("waiting", bad));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain("Invalid resume_after");
      expect((await run.refresh()).status).toBe("RUNNING");
      expect(run.record.error).toBeNull();
    }
    expect(() => pgqrs.pauseError("waiting", Number.NaN)).toThrow(/Invalid resume_after/);
    await run.pause("waiting", 0);
    expect(run.status).toBe("PAUSED");
  });
});
