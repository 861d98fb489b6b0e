import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

// `dequeue().worker(consumer).handle(workflowHandler(store, def)).poll(store)` (reference §1.10.4, §3.5, §8 item 8).
describe.each(EVERY_BACKEND)("workflowHandler served by a dequeue loop on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend, { pollIntervalMs: 10 });
    n += 1;
    const name = `wfh_${n}`;
    await t.store.createWorkflow(name);
    return { ...t, name, consumer: await t.store.consumer(name) };
  };

  it("runs a three-step workflow to SUCCESS and archives its message", async () => {
    const { store, name, consumer } = await setup();
    const calls: string[] = [];
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { n: number }) => {
      const a = await pgqrs.workflowStep(run, "one", async () => {
        calls.push("one");
        return input.n + 1;
      });
      const b = await pgqrs.workflowStep(run, "two", async () => {
        calls.push("two");
        return a * 2;
      });
      return pgqrs.workflowStep(run, "three", async () => {
        calls.push("three");
        return { total: b };
      });
    });
    const msg = await pgqrs.workflow(name).trigger({ n: 4 }).execute(store);
    const loop = pgqrs.dequeue().worker(consumer).handle(pgqrs.workflowHandler(store, def)).poll(store);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).toEqual({ total: 10 });
    await waitFor(async () => (await store.tables().messages().get(msg.id))?.archivedAt !== null);
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
    expect(calls).toEqual(["one", "two", "three"]);
    const run = await store.run(msg);
    expect(run.status).toBe("SUCCESS");
    expect((await run.steps()).map((s) => [s.stepName, s.status])).toEqual([
      ["one", "SUCCESS"],
      ["two", "SUCCESS"],
      ["three", "SUCCESS"],
    ]);
  });

  it("puts a transiently failed run's message back until its retry is due and keeps serving", async () => {
    const { store, name, consumer, clock } = await setup();
    let calls = 0;
    const def = pgqrs.defineWorkflow(
      { name, retry: { maxAttempts: 3, backoff: pgqrs.BackoffStrategy.fixed(5_000) } },
      async (run, input: { kind: string }) => {
        if (input.kind === "plain") return "plain done";
        const a = await pgqrs.workflowStep(run, "a", async () => "A");
        const b = await pgqrs.workflowStep(run, "b", async () => {
          calls += 1;
          if (calls === 1) throw new pgqrs.TransientStepError("TIMEOUT", "Connection timeout");
          return "B";
        });
        return a + b;
      },
    );
    const flaky = await pgqrs.workflow(name).trigger({ kind: "flaky" }).execute(store);
    const errors: unknown[] = [];
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .onError((err) => errors.push(err))
      .handle(pgqrs.workflowHandler(store, def))
      .poll(store);
    const flakyRun = await waitForRun(store, flaky);
    await waitFor(async () => (await store.tables().workflowSteps().get(flakyRun.id, "b"))?.status === "ERROR");
    await waitFor(async () => (await store.tables().messages().get(flaky.id))?.consumerWorkerId === null);
    const held = await store.tables().messages().get(flaky.id);
    expect(held?.archivedAt).toBeNull();
    expect(held?.vt.getTime()).toBe(clock.now().getTime() + 5_000);
    expect(held?.readCt).toBe(0);
    expect((await flakyRun.refresh()).status).toBe("RUNNING");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(pgqrs.TransientStepError);
    // The loop goes on: another run is served while the first waits for its retry.
    const plain = await pgqrs.workflow(name).trigger({ kind: "plain" }).execute(store);
    expect(await pgqrs.run().message(plain).store(store).result({ timeoutMs: 10_000 })).toBe("plain done");
    clock.advance(5_000);
    expect(await pgqrs.run().message(flaky).store(store).result({ timeoutMs: 10_000 })).toBe("AB");
    expect(calls).toBe(2);
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });

  it("pins every run's time with workflowHandlerWithTime", async () => {
    const { store, name, consumer } = await setup();
    const pinned = new Date("2030-06-01T12:00:00.000Z");
    const def = pgqrs.defineWorkflow({ name }, async (run) => pgqrs.workflowStep(run, "s", async () => "ok"));
    const msg = await pgqrs.workflow(name).trigger({}).execute(store);
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(pgqrs.workflowHandlerWithTime(store, def, pinned))
      .poll(store);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).toBe("ok");
    await consumer.interrupt();
    await loop;
    const run = await store.run(msg);
    expect((await store.tables().workflowSteps().get(run.id, "s"))?.startedAt).toEqual(pinned);
  });
});

async function waitForRun(store: pgqrs.Store, msg: pgqrs.QueueMessage): Promise<pgqrs.Run> {
  await waitFor(async () => (await store.tables().workflowRuns().getByMessageId(msg.id)) !== null);
  return store.run(msg);
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not met in time");
}
