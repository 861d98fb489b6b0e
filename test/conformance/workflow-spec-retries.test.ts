import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

// Step failures and the retry schedule as the reference's §1.10.5 describes them.
describe.each(BACKENDS)("workflow step retries per spec on %s", (backend) => {
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
});
