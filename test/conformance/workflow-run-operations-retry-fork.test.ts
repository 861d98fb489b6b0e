/**
 * `admin(store).retryRun` and `.forkRun` (issue 16) on both backends, with real workers in virtual time: a retried
 * run re-executes only its failed step (with a fresh retry budget), a fork replays the steps before `fromStep` and
 * executes the rest; each refusal of a retry, resume or fork names the run's state and writes nothing. `resumeRun`:
 * workflow-run-operations-resume.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { DAY_MS, drive, openPrimitives, wfName } from "../support/primitives.js";
import { threeSteps } from "../support/three-step-workflow.js";

describe.each(EVERY_BACKEND)("retry, resume and fork of runs on %s", (backend) => {
  it("retryRun re-executes only the failed step after a permanent failure; the message is delivered afresh", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const admin = pgqrs.admin(store);
    const { def, calls, failing } = threeSteps(wfName("retry"), { retry: { maxAttempts: 0 } });
    failing.s2 = true;
    const first = await p.serve(def);
    const msg = await pgqrs.workflow(def.name).trigger({ n: 1 }).execute(store);
    const failed = await p.runWhen(msg, p.byStatus("ERROR"));
    expect(calls).toEqual({ fn: 1, s1: 1, s2: 1, s3: 0 });
    // Its trigger message is archived (by the worker's next statement: drive until it is).
    await drive(clock, async () => (await store.tables().messages().get(msg.id))?.archivedAt != null);
    await first.stop();

    failing.s2 = false;
    const retried = await admin.retryRun(failed.id);
    expect(retried).toMatchObject({ id: failed.id, status: "QUEUED", error: null, output: null, completedAt: null });
    // The trigger message is back: unarchived, visible now, never read, nobody holding it.
    const back = await store.tables().messages().get(msg.id);
    expect(back).toMatchObject({ archivedAt: null, readCt: 0, consumerWorkerId: null });
    expect(back?.vt.getTime()).toBe(clock.now().getTime());
    // The failed step is due now with a fresh budget; the step that succeeded keeps its output.
    const s2 = await store.tables().workflowSteps().get(failed.id, "s2");
    expect(s2).toMatchObject({ status: "ERROR", retryCount: 0 });
    expect(s2?.retryAt?.getTime()).toBe(clock.now().getTime());
    expect(await store.tables().workflowSteps().get(failed.id, "s1")).toMatchObject({ status: "SUCCESS", output: 2 });

    await p.serve(def);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({ a: 2, b: 20, c: 21 });
    // s1 replayed from its output; s2 ran again; s3 ran for the first time.
    expect(calls).toEqual({ fn: 2, s1: 1, s2: 2, s3: 1 });
    expect((await store.tables().messages().get(msg.id))?.archivedAt).not.toBeNull();
  });

  it("retryRun gives the failed step a fresh retry budget each time", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const admin = pgqrs.admin(store);
    // One retry per budget, one second apart: two executions of s2 per budget.
    const { def, calls, failing } = threeSteps(wfName("budget"), { retry: { maxAttempts: 1 } });
    failing.s2 = true;
    failing.fail = () => new pgqrs.TransientStepError("FLAKY", "still down", { retryAfterMs: 1_000 });
    await p.serve(def);
    const msg = await pgqrs.workflow(def.name).trigger({ n: 1 }).execute(store);
    const failed = await p.runWhen(msg, p.byStatus("ERROR"));
    expect(calls.s2).toBe(2);

    await admin.retryRun(failed.id);
    await p.runWhen(msg, (r) => r.status === "ERROR" && calls.s2 === 4);
    expect(calls).toMatchObject({ s1: 1, s2: 4, s3: 0 });

    failing.s2 = false;
    await admin.retryRun(failed.id);
    // The idle worker is woken by the retry itself: the run finishes with no virtual time passing.
    await drive(p.clock, async () => (await p.runOf(msg))?.status === "SUCCESS", { maxMs: 0, graceMs: 20_000 });
    expect(calls).toMatchObject({ s1: 1, s2: 5, s3: 1 });
  });

  it("retryRun puts a CANCELLED run back to work from where it stopped", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const admin = pgqrs.admin(store);
    const name = wfName("cancelled");
    const calls = { before: 0, after: 0 };
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      await run.step("before", async () => {
        calls.before += 1;
        return "b";
      });
      await run.sleep("nap", DAY_MS);
      return run.step("after", async () => {
        calls.after += 1;
        return "a";
      });
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    await pgqrs.workflow(name).cancel(msg.id, store);
    await p.runWhen(msg, p.byStatus("CANCELLED"));
    await drive(p.clock, async () => (await store.tables().messages().get(msg.id))?.archivedAt != null);

    await admin.retryRun(paused.id);
    // Back to its sleep (left as it was: still due a day after it began), then resumed now.
    const again = await p.runWhen(msg, p.byStatus("PAUSED"));
    expect(again.waitingFor).toMatchObject({ kind: "sleep", name: "nap" });
    await admin.resumeRun(paused.id);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toBe("a");
    expect(calls).toEqual({ before: 1, after: 1 });
  });

  it("forkRun from step 2 replays step 1 and executes steps 2 and 3 with the same input", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const admin = pgqrs.admin(store);
    const { def, calls } = threeSteps(wfName("fork"));
    await p.serve(def);
    const msg = await pgqrs.workflow(def.name).trigger({ n: 4 }).execute(store);
    const original = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(calls).toEqual({ fn: 1, s1: 1, s2: 1, s3: 1 });

    const fork = await admin.forkRun(original.id, { fromStep: "s2" });
    expect(fork).toMatchObject({ status: "QUEUED", forkedFromRunId: original.id, parentRunId: null });
    expect(fork.id).not.toBe(original.id);
    expect(fork.workflowId).toBe(original.workflowId);
    expect(fork.input).toEqual(original.input);
    const copied = await store.tables().workflowSteps().listForRun(fork.id);
    expect(copied.map((s) => [s.stepName, s.status, s.output])).toEqual([["s1", "SUCCESS", 5]]);

    const done = await p.runWhen({ id: fork.messageId }, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({ a: 5, b: 50, c: 51 });
    expect(calls).toEqual({ fn: 2, s1: 1, s2: 2, s3: 2 });
    // The original is as it was.
    expect(await admin.getRun(original.id)).toMatchObject({ status: "SUCCESS", output: { a: 5, b: 50, c: 51 } });
    expect((await store.tables().workflowSteps().listForRun(fork.id)).map((s) => s.stepName)).toEqual([
      "s1",
      "s2",
      "s3",
    ]);
  });

  it("forkRun of a failed run from its failed step, and from its first step", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const admin = pgqrs.admin(store);
    const { def, calls, failing } = threeSteps(wfName("forkfail"), { retry: { maxAttempts: 0 } });
    failing.s2 = true;
    await p.serve(def);
    const msg = await pgqrs.workflow(def.name).trigger({ n: 0 }).execute(store);
    const failed = await p.runWhen(msg, p.byStatus("ERROR"));
    failing.s2 = false;

    const fromFailed = await admin.forkRun(failed.id, { fromStep: "s2" });
    await p.runWhen({ id: fromFailed.messageId }, p.byStatus("SUCCESS"));
    expect(calls).toEqual({ fn: 2, s1: 1, s2: 2, s3: 1 });

    const fromStart = await admin.forkRun(failed.id, { fromStep: "s1" });
    await p.runWhen({ id: fromStart.messageId }, p.byStatus("SUCCESS"));
    // Nothing was copied: s1 ran again (its steps cannot be listed empty right after the fork, since the serving
    // worker may already be running it).
    expect(calls).toEqual({ fn: 3, s1: 2, s2: 3, s3: 2 });
    expect((await store.tables().workflowSteps().listForRun(fromStart.id)).map((s) => s.stepName)).toEqual([
      "s1",
      "s2",
      "s3",
    ]);
    expect((await admin.getRun(failed.id)).status).toBe("ERROR");
  });

  it("refusals name the state and write nothing", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const admin = pgqrs.admin(store);
    const { def, failing } = threeSteps(wfName("refuse"), { retry: { maxAttempts: 0 } });
    const worker = await p.serve(def);
    const ok = await p.runWhen(await pgqrs.workflow(def.name).trigger({ n: 1 }).execute(store), p.byStatus("SUCCESS"));
    failing.s2 = true;
    const badMsg = await pgqrs.workflow(def.name).trigger({ n: 2 }).execute(store);
    const bad = await p.runWhen(badMsg, p.byStatus("ERROR"));
    // Settled: the failed run's message archived and the worker stopped, so only the calls below could write.
    await drive(p.clock, async () => (await store.tables().messages().get(badMsg.id))?.archivedAt != null);
    await worker.stop();

    const retryOk = await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => admin.retryRun(ok.id));
    expect(retryOk.message).toContain("SUCCESS");
    const resumeOk = await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => admin.resumeRun(ok.id));
    expect(resumeOk.message).toContain("SUCCESS");
    const resumeBad = await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => admin.resumeRun(bad.id));
    expect(resumeBad.message).toContain("ERROR");
    await p.expectNothingWritten("RUN_NOT_FOUND", () => admin.retryRun(999_999));
    await p.expectNothingWritten("RUN_NOT_FOUND", () => admin.resumeRun(999_999));
    await p.expectNothingWritten("RUN_NOT_FOUND", () => admin.forkRun(999_999, { fromStep: "s1" }));
    const noStep = await p.expectNothingWritten("VALIDATION_FAILED", () => admin.forkRun(ok.id, { fromStep: "nope" }));
    expect(noStep.message).toContain("fromStep");
    await p.expectNothingWritten("VALIDATION_FAILED", () => admin.forkRun(ok.id, { fromStep: "" }));
    await p.expectNothingWritten("VALIDATION_FAILED", () =>
      admin.forkRun(ok.id, undefined as unknown as { fromStep: string }),
    );
    await p.expectNothingWritten("VALIDATION_FAILED", () => admin.retryRun(-1));
    await p.expectNothingWritten("VALIDATION_FAILED", () => admin.resumeRun(1.5));
  });

  it("a QUEUED run cannot be retried or resumed; a PAUSED one cannot be retried", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const admin = pgqrs.admin(store);
    const name = wfName("states");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      await run.sleep("nap", DAY_MS);
      return 1;
    });
    await store.createWorkflow(name);
    const { message: msg, run: queued } = await pgqrs.workflow(name).trigger(null).start(store);
    expect(queued.status).toBe("QUEUED");
    const e1 = await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => admin.retryRun(queued.id));
    expect(e1.message).toContain("QUEUED");
    await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => admin.resumeRun(queued.id));
    await p.serve(def);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    const e2 = await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => admin.retryRun(paused.id));
    expect(e2.message).toContain("PAUSED");
  });
});
