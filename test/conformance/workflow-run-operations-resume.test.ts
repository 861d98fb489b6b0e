/**
 * `admin(store).resumeRun` (issue 16) on both backends, with real workers in virtual time: a resumed run wakes now
 * from a day-long sleep, a pause or a scheduled step retry, and a recv wait checks again. `retryRun`, `forkRun` and
 * the refusals: workflow-run-operations-retry-fork.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { DAY_MS, drive, napWorkflow, openPrimitives, PROMPT_MS, wfName } from "../support/primitives.js";
import { threeSteps } from "../support/three-step-workflow.js";

describe.each(EVERY_BACKEND)("retry, resume and fork of runs on %s", (backend) => {
  it("resumeRun wakes a day-long sleep now", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const admin = pgqrs.admin(store);
    const name = wfName("nap");
    const calls = { before: 0, after: 0 };
    const def = napWorkflow(name, calls);
    await p.serve(def);
    const t0 = clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    expect(paused.waitingFor?.kind).toBe("sleep");

    const resumedAt = clock.now().getTime();
    const resumed = await admin.resumeRun(paused.id);
    expect(resumed.id).toBe(paused.id);
    expect(resumed.waitingFor?.until?.getTime()).toBe(resumedAt);
    const nap = await store.tables().workflowSteps().get(paused.id, "nap");
    expect(nap).toMatchObject({ status: "SUCCESS", output: { resumed: true } });

    // The idle worker is woken by the resume itself: the run finishes with no virtual time passing.
    await drive(clock, async () => (await p.runOf(msg))?.status === "SUCCESS", { maxMs: 0, graceMs: 20_000 });
    const done = (await p.runOf(msg))!;
    expect(done.output).toBe("woke");
    expect(done.completedAt!.getTime()).toBe(resumedAt);
    expect(done.completedAt!.getTime() - t0).toBeLessThan(PROMPT_MS);
    expect(calls).toEqual({ before: 1, after: 1 });
  });

  it("resumeRun makes a pauseError pause due now; the paused step runs again", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const admin = pgqrs.admin(store);
    const name = wfName("approval");
    const calls = { approve: 0 };
    let approved = false;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      return run.step("approve", async () => {
        calls.approve += 1;
        if (!approved) throw pgqrs.pauseError("Waiting for approval", DAY_MS);
        return "approved";
      });
    });
    await p.serve(def);
    const t0 = clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, (r) => r.status === "PAUSED" && r.waitingFor?.kind === "pause");
    const step = await store.tables().workflowSteps().get(paused.id, "approve");
    expect(step?.retryAt?.getTime()).toBeGreaterThan(t0 + DAY_MS - PROMPT_MS);

    approved = true;
    await admin.resumeRun(paused.id);
    const due = await store.tables().workflowSteps().get(paused.id, "approve");
    expect(due?.retryAt?.getTime()).toBeLessThanOrEqual(clock.now().getTime());
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toBe("approved");
    expect(done.completedAt!.getTime() - t0).toBeLessThan(PROMPT_MS * 2);
    expect(calls.approve).toBe(2);
  });

  it("resumeRun makes a scheduled step retry due now (a RUNNING run waiting for it)", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const admin = pgqrs.admin(store);
    const { def, calls, failing } = threeSteps(wfName("retrywait"), { retry: { maxAttempts: 3 } });
    failing.s2 = true;
    failing.fail = () => new pgqrs.TransientStepError("FLAKY", "later", { retryAfterMs: DAY_MS });
    await p.serve(def);
    const t0 = clock.now().getTime();
    const msg = await pgqrs.workflow(def.name).trigger({ n: 2 }).execute(store);
    let waiting: pgqrs.RunRecord | null = null;
    await drive(clock, async () => {
      waiting = await p.runOf(msg);
      const s2 = waiting === null ? null : await store.tables().workflowSteps().get(waiting.id, "s2");
      const m = await store.tables().messages().get(msg.id);
      return s2?.status === "ERROR" && s2.retryAt !== null && m?.consumerWorkerId === null;
    });
    const run = waiting as unknown as pgqrs.RunRecord;
    expect(["RUNNING", "PAUSED"]).toContain(run.status);

    failing.s2 = false;
    await admin.resumeRun(run.id);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({ a: 3, b: 30, c: 31 });
    expect(done.completedAt!.getTime() - t0).toBeLessThan(PROMPT_MS * 2);
    expect(calls).toMatchObject({ s1: 1, s2: 2, s3: 1 });
  });

  it("resumeRun wakes a recv wait, which checks again and waits on", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const admin = pgqrs.admin(store);
    const name = wfName("recv");
    let executions = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      executions += 1;
      return run.recv("inbox", "go");
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    expect(executions).toBe(1);
    await admin.resumeRun(paused.id);
    await drive(p.clock, async () => executions === 2 && (await p.runOf(msg))?.status === "PAUSED");
    expect((await p.runOf(msg))?.waitingFor).toMatchObject({ kind: "message", topic: "go" });
  });
});
