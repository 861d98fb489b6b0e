import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";
import { gate, openVirtualStore } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("workflow deliveries and leases on %s", (backend) => {
  it("does not count rescheduled retries toward maxReadCt", async () => {
    const { store } = await openTestStore(backend, { maxReadCt: 2, pollIntervalMs: 5 });
    let calls = 0;
    const def = pgqrs.defineWorkflow(
      { name: "retry_budget", retry: { maxAttempts: 3, backoff: pgqrs.BackoffStrategy.fixed(0) } },
      async (run) =>
        pgqrs.workflowStep(run, "flaky", async () => {
          calls += 1;
          if (calls < 4) throw new pgqrs.TransientStepError("BLIP", "try again");
          return "ok";
        }),
    );
    await store.createWorkflow("retry_budget");
    const consumer = await store.consumer("retry_budget");
    const msg = await pgqrs.workflow("retry_budget").trigger({}).execute(store);
    const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).toBe("ok");
    expect(calls).toBe(4);
    await consumer.interrupt();
    await loop;
  });

  it("refuses a late step write from an attempt whose lease was taken over", async () => {
    const { store, clock } = await openTestStore(backend);
    await store.createWorkflow("fenced");
    const a = await store.consumer("fenced");
    const b = await store.consumer("fenced");
    const msg = await pgqrs.workflow("fenced").trigger({}).execute(store);
    const [first] = await a.dequeue({ vtSeconds: 5 });
    const runA = await store.run(first!);
    await runA.start();
    const stepA = await runA.acquireStep("only");
    expect(stepA.status).toBe("EXECUTE");
    clock.advance(5_000);
    const [second] = await b.dequeue({ vtSeconds: 5 });
    expect(second?.id).toBe(msg.id);
    const runB = await store.run(second!);
    const stepB = await runB.acquireStep("only");
    if (stepB.status !== "EXECUTE") throw new Error("the new delivery takes the step over");
    await stepB.guard.success({ by: "replacement" });
    if (stepA.status !== "EXECUTE") throw new Error("unreachable");
    const late = await thrown(() => stepA.guard.success({ by: "late" }));
    expect(late.code).toBe("CONFLICT");
    const lateFail = await thrown(() => stepA.guard.fail(new Error("late failure")));
    expect(lateFail.code).toBe("CONFLICT");
    const row = await store.tables().workflowSteps().get(runB.id, "only");
    expect(row?.status).toBe("SUCCESS");
    expect(row?.output).toEqual({ by: "replacement" });
    expect(await a.archive(msg.id)).toBe(false);
  });

  it("renews the lease of a handler that runs longer than its lease", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 20 });
    await store.queue("long");
    const worker = await store.consumer("long");
    const rival = await store.consumer("long");
    const msg = await (await store.producer("long")).enqueue("slow job");
    let runs = 0;
    const handler = gate();
    const loop = pgqrs
      .dequeue()
      .worker(worker)
      .withVt(1)
      .handle(async () => {
        runs += 1;
        await handler.wait;
      })
      .poll(store);
    await vi.waitFor(() => expect(runs).toBe(1), { timeout: 15_000 });
    // Every half lease (500 ms of virtual time) the running handler's lease is extended to end a lease from then,
    // so 2.5 s into a 1 s lease the message is still leased and no rival can take it.
    for (let half = 1; half <= 5; half++) {
      clock.advance(500);
      const leaseEnd = clock.now().getTime() + 1_000;
      await expect
        .poll(async () => (await store.tables().messages().get(msg.id))?.vt.getTime(), { timeout: 15_000 })
        .toBe(leaseEnd);
      expect(await rival.dequeue()).toEqual([]);
    }
    handler.open();
    await expect
      .poll(async () => (await pgqrs.admin(store).queueMetrics("long")).archivedMessages, { timeout: 15_000 })
      .toBe(1);
    expect(runs).toBe(1);
    await worker.interrupt();
    expect(await loop).toBe("interrupted");
  });
});

describe.each(EVERY_BACKEND)("dead-lettered workflow messages on %s", (backend) => {
  it("fail their run visibly instead of leaving it RUNNING", async () => {
    const { store, clock } = await openTestStore(backend, { maxReadCt: 1 });
    await store.createWorkflow("poison_wf");
    const consumer = await store.consumer("poison_wf");
    const msg = await pgqrs.workflow("poison_wf").trigger({}).execute(store);
    const [m] = await consumer.dequeue({ vtSeconds: 1 });
    const run = await store.run(m!);
    await run.start();
    clock.advance(1_000);
    expect(await pgqrs.admin(store).dlq("poison_wf")).toEqual([msg.id]);
    const err = await thrown(() => pgqrs.run().message(msg).store(store).result({ timeoutMs: 1_000 }));
    expect(err.code).toBe("EXECUTION_FAILED");
    expect(err.details?.error).toMatchObject({ code: "DEAD_LETTERED" });
  });
});
