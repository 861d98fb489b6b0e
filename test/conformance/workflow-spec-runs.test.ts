import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

// Run and step handles as the reference's §1.10.5 and §3.3-3.4 describe them.
describe.each(EVERY_BACKEND)("workflow run handles per spec on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const name = `wfs_${n}`;
    await t.store.createWorkflow(name);
    const consumer = await t.store.consumer(name);
    const openRun = async (input: unknown = { id: 1 }) => {
      const msg = await pgqrs.workflow(name).trigger(input).execute(t.store);
      const [m] = await consumer.dequeue();
      return { ...t, name, consumer, msg, m: m!, run: await pgqrs.run().message(m!).store(t.store).execute() };
    };
    return { ...t, name, consumer, openRun };
  };

  it("refuses start() on SUCCESS, ERROR, CANCELLING and CANCELLED runs with VALIDATION_FAILED", async () => {
    const t = await setup();
    const finish: Record<string, (run: pgqrs.Run) => Promise<unknown>> = {
      SUCCESS: (run) => run.complete({ ok: true }),
      ERROR: (run) => run.fail("boom"),
      CANCELLING: (run) => run.cancel(),
      CANCELLED: async (run) => {
        await run.cancel();
        await pgqrs.workflowStep(run, "boundary", async () => 1).catch(() => undefined);
      },
    };
    for (const [status, op] of Object.entries(finish)) {
      const { run } = await t.openRun();
      await run.start();
      await op(run);
      expect((await run.refresh()).status).toBe(status);
      const err = await thrown(() => run.start());
      expect(err).toBeInstanceOf(pgqrs.PgqrsError);
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain(`Run ${run.id} is in terminal ${status} state`);
      expect((await run.refresh()).status).toBe(status);
    }
  });

  it("re-acquires a RUNNING step from the same handle: EXECUTE again, new startedAt, the earlier attempt fenced", async () => {
    const { run, clock, store } = await (await setup()).openRun();
    await run.start();
    const first = await run.acquireStep("s");
    if (first.status !== "EXECUTE") throw new Error("expected EXECUTE");
    clock.advance(1_000);
    const again = await run.acquireStep("s");
    if (again.status !== "EXECUTE") throw new Error("a RUNNING step is executed again");
    expect(again.step.status).toBe("RUNNING");
    expect(again.step.startedAt).toEqual(clock.now());
    expect(again.step.retryCount).toBe(0);
    await again.guard.success("second");
    expect((await thrown(() => first.guard.success("first"))).code).toBe("CONFLICT");
    const row = await store.tables().workflowSteps().get(run.id, "s");
    expect(row).toMatchObject({ status: "SUCCESS", output: "second" });
  });

  it("lets a new handle of a never-dequeued trigger take over the RUNNING step a crashed handle left", async () => {
    const { store, name, clock } = await setup();
    const msg = await pgqrs.workflow(name).trigger({ id: 1 }).execute(store);
    const crashed = await store.run(msg);
    await crashed.start();
    expect((await crashed.acquireStep("s")).status).toBe("EXECUTE");
    clock.advance(5_000);
    const restarted = await store.run(msg);
    const value = await pgqrs.workflowStep(restarted, "s", async () => "done");
    expect(value).toBe("done");
    await restarted.complete(value);
    const row = await store.tables().workflowSteps().get(restarted.id, "s");
    expect(row).toMatchObject({ status: "SUCCESS", output: "done", startedAt: clock.now() });
  });

  it("serves a redelivery with the same owner (refunded release, same consumer) whose step was left RUNNING", async () => {
    const { store, name, clock, consumer } = await setup();
    const msg = await pgqrs.workflow(name).trigger({}).execute(store);
    const [m] = await consumer.dequeue();
    const abandoned = await store.run(m!);
    await abandoned.start();
    expect((await abandoned.acquireStep("a")).status).toBe("EXECUTE");
    // Given back without counting the delivery: the next lease has the same consumer and read count.
    await consumer.releaseMany([m!.id], clock.now(), { refundDelivery: true });
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      const a = await pgqrs.workflowStep(run, "a", async () => {
        calls += 1;
        return "A";
      });
      return pgqrs.workflowStep(run, "b", async () => `${a}B`);
    });
    const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 5_000 })).toBe("AB");
    expect(calls).toBe(1);
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });

  it("gives EXECUTE to exactly one of two concurrent re-acquisitions of a RUNNING step by one delivery", async () => {
    const { store, run } = await (await setup()).openRun();
    await run.start();
    expect((await run.acquireStep("s")).status).toBe("EXECUTE");
    const twin = await store.run((await store.tables().messages().get(run.record.messageId))!);
    const results = await Promise.allSettled([run.acquireStep("s"), twin.acquireStep("s")]);
    const statuses = results.map((r) =>
      r.status === "fulfilled" ? r.value.status : (r.reason as pgqrs.PgqrsError).code,
    );
    expect(statuses.sort()).toEqual(["CONFLICT", "EXECUTE"]);
  });

  it("completeStep records a step's output, and replaces it when the step already succeeded", async () => {
    const { run, store } = await (await setup()).openRun();
    await run.start();
    expect(await run.completeStep("s", { v: 1 })).toMatchObject({ status: "SUCCESS", output: { v: 1 } });
    expect(await run.completeStep("s", { v: 2 })).toMatchObject({ status: "SUCCESS", output: { v: 2 } });
    expect(await run.acquireStep("s")).toMatchObject({ status: "SKIPPED", value: { v: 2 } });
    expect((await store.tables().workflowSteps().get(run.id, "s"))?.output).toEqual({ v: 2 });
  });

  it("failStep schedules a retry for an is_transient error, by the policy or its retry_after", async () => {
    const { run, clock } = await (await setup()).openRun();
    await run.start();
    const t0 = clock.now().getTime();
    const transient = { is_transient: true, code: "TIMEOUT", message: "Connection timeout" };
    const row = await run.failStep("t", transient, { currentTime: new Date(t0) });
    expect(row).toMatchObject({ status: "ERROR", error: transient, retryCount: 1 });
    expect(row.retryAt?.getTime()).toBe(t0 + 1_000);
    const notYet = await thrown(() => run.acquireStep("t", { currentTime: new Date(t0 + 500) }));
    expect(notYet.code).toBe("STEP_NOT_READY");
    const later = await run.failStep("later", { ...transient, retry_after: 10 }, { currentTime: new Date(t0) });
    expect(later.retryAt?.getTime()).toBe(t0 + 10_000);
    const bad = await thrown(() => run.failStep("bad", { ...transient, retry_after: -1 }));
    expect(bad.code).toBe("VALIDATION_FAILED");
  });

  it("failStep wraps any other JSON as a NON_RETRYABLE error and fails the step for good", async () => {
    const { run } = await (await setup()).openRun();
    await run.start();
    const wrapped = await run.failStep("str", "boom");
    expect(wrapped).toMatchObject({ status: "ERROR", retryAt: null, retryCount: 0 });
    expect(wrapped.error).toEqual({ is_transient: false, code: "NON_RETRYABLE", message: '"boom"' });
    const obj = await run.failStep("obj", { reason: "bad input" });
    expect(obj.error).toEqual({ is_transient: false, code: "NON_RETRYABLE", message: '{"reason":"bad input"}' });
    const own = { is_transient: false, code: "INVALID", message: "no such user" };
    expect((await run.failStep("own", own)).error).toEqual(own);
    const exhausted = await thrown(() => run.acquireStep("str"));
    expect(exhausted.code).toBe("RETRIES_EXHAUSTED");
    expect(exhausted.details?.attempts).toBe(0);
  });
});
