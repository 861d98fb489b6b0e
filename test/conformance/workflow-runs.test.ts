import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore, thrown } from "../support/stores.js";

describe.each(EVERY_BACKEND)("workflow runs and steps on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const name = `wf_${n}`;
    await t.store.createWorkflow(name);
    const consumer = await t.store.consumer(name);
    const trigger = async (input: unknown) => pgqrs.workflow(name).trigger(input).execute(t.store);
    const openRun = async (input: unknown = { id: 1 }) => {
      await trigger(input);
      const [m] = await consumer.dequeue();
      return { ...t, m: m!, run: await pgqrs.run().message(m!).store(t.store).execute() };
    };
    return { ...t, name, consumer, trigger, openRun };
  };

  it("runs the seed guide, step by step", async () => {
    const { store, name, consumer } = await setup();
    await store.createWorkflow(name);
    const msg = await pgqrs.workflow(name).trigger({ id: 1 }).execute(store);
    expect(msg.payload).toEqual({ input: { id: 1 } });
    const [m] = await consumer.dequeue({ batchSize: 1 });
    const run = await pgqrs.run().message(m!).store(store).execute();
    expect(run.status).toBe("QUEUED");
    expect(run.input).toEqual({ id: 1 });
    expect(run.record.input).toEqual({ input: { id: 1 } });
    await run.start();
    const step = await run.acquireStep(name, { currentTime: run.currentTime });
    expect(step.status).toBe("EXECUTE");
    if (step.status === "EXECUTE") await step.guard.success({ status: "success" });
    await run.complete({ status: "success" });
    expect(await consumer.archive(m!.id)).toBe(true);
    const rec = await pgqrs.workflow(name).getRun(msg.id, store);
    expect(rec.status).toBe("SUCCESS");
    expect(rec.output).toEqual({ status: "success" });
    const again = await run.acquireStep(name);
    expect(again).toMatchObject({ status: "SKIPPED", value: { status: "success" } });
  });

  it("creates definitions idempotently and refuses triggers for unknown workflows", async () => {
    const { store, name } = await setup();
    const a = await store.createWorkflow(name);
    const b = await pgqrs.workflow(name).create(store);
    expect(b.id).toBe(a.id);
    expect(await errorCode(() => pgqrs.workflow("no_such").trigger({}).execute(store))).toBe("WORKFLOW_NOT_FOUND");
    const before = await store.tables().messages().count();
    expect(
      await errorCode(() =>
        pgqrs
          .workflow(name)
          .trigger({ f: () => 1 })
          .execute(store),
      ),
    ).toBe("VALIDATION_FAILED");
    expect(await store.tables().messages().count()).toBe(before);
  });

  it("refuses triggers once the workflow is deleted, by this store or by another one", async () => {
    const { store, dsn, schema } = await openTestStore(backend);
    await store.createWorkflow("doomed");
    await store.createWorkflow("doomed_elsewhere");
    // Triggered once: the store now knows both workflows exist.
    await pgqrs.workflow("doomed").trigger(1).execute(store);
    await pgqrs.workflow("doomed_elsewhere").trigger(1).execute(store);
    await pgqrs.admin(store).purgeQueue("doomed");
    await pgqrs.admin(store).deleteQueue("doomed");
    expect(await errorCode(() => pgqrs.workflow("doomed").trigger(2).execute(store))).toBe("WORKFLOW_NOT_FOUND");
    const other = await pgqrs.connect(dsn, { schema });
    try {
      await pgqrs.admin(other).purgeQueue("doomed_elsewhere");
      await pgqrs.admin(other).deleteQueue("doomed_elsewhere");
    } finally {
      await other.close();
    }
    expect(await errorCode(() => pgqrs.workflow("doomed_elsewhere").trigger(2).execute(store))).toBe(
      "WORKFLOW_NOT_FOUND",
    );
  });

  it("keeps terminal runs terminal", async () => {
    const { run } = await (await setup()).openRun();
    await run.start();
    await run.complete({ ok: true });
    expect(await errorCode(() => run.start())).toBe("VALIDATION_FAILED");
    for (const op of [() => run.complete(1), () => run.fail("x"), () => run.pause("p", 1000), () => run.cancel()]) {
      expect(await errorCode(op)).toBe("INVALID_STATE_TRANSITION");
    }
    expect((await run.refresh()).status).toBe("SUCCESS");
  });

  it("pauses and resumes a run", async () => {
    const { run } = await (await setup()).openRun();
    await run.start();
    await run.pause("Waiting for approval", 60_000);
    expect(run.status).toBe("PAUSED");
    expect(run.record.error).toEqual({ message: "Waiting for approval", resume_after: 60 });
    await run.start();
    expect(run.status).toBe("RUNNING");
    await run.fail({ error: "intentional failure" });
    expect(await errorCode(() => run.start())).toBe("VALIDATION_FAILED");
  });

  it("schedules transient retries by the default policy and exhausts them", async () => {
    const { run, clock } = await (await setup()).openRun();
    await run.start();
    let t = clock.now().getTime();
    const counts: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const s = await run.acquireStep("flaky", { currentTime: new Date(t) });
      expect(s.status).toBe("EXECUTE");
      if (s.status !== "EXECUTE") return;
      const row = await s.guard.failTransient("TIMEOUT", "upstream timed out");
      counts.push(row.retryCount);
      if (attempt < 3) {
        const delay = row.retryAt!.getTime() - t;
        const expected = 1000 * 2 ** attempt;
        // Jitter in whole seconds, up to ±floor(25% of the delay in seconds): none for 1 s and 2 s.
        const range = Math.floor(expected / 4000) * 1000;
        expect(delay % 1000).toBe(0);
        expect(Math.abs(delay - expected)).toBeLessThanOrEqual(range);
        const notYet = await thrown(() =>
          run.acquireStep("flaky", { currentTime: new Date(row.retryAt!.getTime() - 1) }),
        );
        expect(notYet.code).toBe("STEP_NOT_READY");
        expect(notYet.details?.retryCount).toBe(attempt + 1);
        expect(await run.acquireStep(`other${attempt}`, { currentTime: new Date(t) })).toMatchObject({
          status: "EXECUTE",
        });
        t = row.retryAt!.getTime();
      } else {
        expect(row.retryAt).toBeNull();
      }
    }
    expect(counts).toEqual([1, 2, 3, 3]);
    const exhausted = await thrown(() => run.acquireStep("flaky", { currentTime: new Date(t + 3_600_000) }));
    expect(exhausted.code).toBe("RETRIES_EXHAUSTED");
    expect(exhausted.details?.attempts).toBe(3);
  });

  it("honours retryAfter and a permanent failure", async () => {
    const { run, clock } = await (await setup()).openRun();
    await run.start();
    const now = clock.now().getTime();
    const s = await run.acquireStep("s");
    if (s.status !== "EXECUTE") throw new Error("expected EXECUTE");
    const row = await s.guard.failTransient("RATE", "slow down", { retryAfterMs: 10_000 });
    expect(row.retryAt?.getTime()).toBe(now + 10_000);
    expect(row.error).toMatchObject({ is_transient: true, code: "RATE" });
    expect(await errorCode(() => run.acquireStep("s", { currentTime: new Date(now + 5_000) }))).toBe("STEP_NOT_READY");
    const ready = await run.acquireStep("s", { currentTime: new Date(now + 11_000) });
    expect(ready.status).toBe("EXECUTE");
    expect(ready.step.retryCount).toBe(1);
    expect(ready.step.retryAt).toBeNull();
    const p = await run.acquireStep("perm");
    if (p.status !== "EXECUTE") throw new Error("expected EXECUTE");
    await p.guard.fail(new Error("File not found"));
    const e = await thrown(() => run.acquireStep("perm"));
    expect(e.code).toBe("RETRIES_EXHAUSTED");
    expect(e.details?.attempts).toBe(0);
  });

  it("gives EXECUTE to exactly one of two racing acquisitions of a retry-ready step", async () => {
    const { store, run, clock } = await (await setup()).openRun();
    await run.start();
    const s = await run.acquireStep("race");
    if (s.status !== "EXECUTE") throw new Error("expected EXECUTE");
    const row = await s.guard.failTransient("X", "x", { retryAfterMs: 1000 });
    const later = new Date(clock.now().getTime() + 2000);
    const twin = await store.run((await store.tables().messages().get(run.record.messageId))!);
    const results = await Promise.allSettled([
      run.acquireStep("race", { currentTime: later }),
      twin.acquireStep("race", { currentTime: later }),
    ]);
    const statuses = results.map((r) =>
      r.status === "fulfilled" ? r.value.status : (r.reason as pgqrs.PgqrsError).code,
    );
    expect(row.retryCount).toBe(1);
    expect(statuses.filter((x) => x === "EXECUTE")).toHaveLength(1);
  });

  it("cancels in two phases: CANCELLING, then CANCELLED at the next step boundary", async () => {
    const { store, run, m } = await (await setup()).openRun();
    await run.start();
    await pgqrs.workflowStep(run, "one", async () => 1);
    const wf = await store.tables().workflows().get(run.record.workflowId);
    const rec = await pgqrs.workflow(wf!.name).cancel(m.id, store);
    expect(rec.status).toBe("CANCELLING");
    await run.cancel();
    expect(await errorCode(() => run.start())).toBe("VALIDATION_FAILED");
    let called = 0;
    const err = await thrown(() =>
      pgqrs.workflowStep(run, "two", async () => {
        called += 1;
      }),
    );
    expect(err.code).toBe("CANCELLED");
    expect(called).toBe(0);
    expect((await run.refresh()).status).toBe("CANCELLED");
    await expect(pgqrs.run().message(m).store(store).result({ timeoutMs: 1000 })).rejects.toMatchObject({
      code: "CANCELLED",
    });
    expect((await run.steps()).map((s) => s.stepName)).toEqual(["one"]);
  });

  it("replays a succeeded step's stored output, also null", async () => {
    const { run } = await (await setup()).openRun();
    await run.start();
    let calls = 0;
    const f = async () => {
      calls += 1;
      return null;
    };
    expect(await pgqrs.workflowStep(run, "nul", f)).toBeNull();
    expect(await pgqrs.workflowStep(run, "nul", f)).toBeNull();
    expect(calls).toBe(1);
  });

  it("reads result() and get() by status", async () => {
    const { store, run, m } = await (await setup()).openRun();
    const rb = () => pgqrs.run().message(m).store(store);
    expect(await rb().get()).toBeUndefined();
    await run.start();
    await expect(rb().result({ timeoutMs: 50, pollIntervalMs: 10 })).rejects.toMatchObject({ code: "TIMEOUT" });
    await run.fail({ error: "intentional failure" });
    const err = await thrown(() => rb().result({ timeoutMs: 1000 }));
    expect(err.code).toBe("EXECUTION_FAILED");
    expect(err.details?.error).toEqual({ error: "intentional failure" });
    expect(err.message).toContain("intentional failure");
  });
});
