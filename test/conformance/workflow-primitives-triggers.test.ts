/**
 * Idempotent triggers (issue 15): a second trigger of a workflow with the same idempotency key returns the first
 * trigger's message and run and creates nothing, also once that run has finished and also when triggers race; keys
 * are per workflow.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";

describe.each(EVERY_BACKEND)("idempotent triggers on %s", (backend) => {
  it("returns the first trigger's message for a repeated key and creates nothing; another key triggers anew", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("orders");
    await store.createWorkflow(name);
    const first = await pgqrs.workflow(name).trigger({ order: 1 }).idempotencyKey("order-1").execute(store);
    const before = await p.snapshot();
    const again = await pgqrs.workflow(name).trigger({ order: 2 }).idempotencyKey("order-1").execute(store);
    expect(again.id).toBe(first.id);
    expect(again.payload).toEqual({ input: { order: 1 } });
    expect(await p.snapshot()).toBe(before);
    const started = await pgqrs.workflow(name).trigger({ order: 3 }).idempotencyKey("order-1").start(store);
    expect(started.message.id).toBe(first.id);
    expect(started.run).toMatchObject({ messageId: first.id, input: { input: { order: 1 } }, parentRunId: null });
    const runsOfFirst = await store.tables().workflowRuns().count();
    const other = await pgqrs.workflow(name).trigger({ order: 4 }).idempotencyKey("order-2").start(store);
    expect(other.message.id).not.toBe(first.id);
    expect(other.run.id).not.toBe(started.run.id);
    expect(await store.tables().workflowRuns().count()).toBe(runsOfFirst + 1);
    const unkeyed = await pgqrs.workflow(name).trigger({ order: 1 }).execute(store);
    expect(unkeyed.id).not.toBe(first.id);
    const queue = await store.tables().queues().getByName(name);
    expect(await store.tables().messages().count({ queueId: queue!.id, state: "all" })).toBe(3);
  });

  it("keeps keys per workflow: the same key in two workflows triggers both", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const a = wfName("billing");
    const b = wfName("shipping");
    await store.createWorkflow(a);
    await store.createWorkflow(b);
    const ma = await pgqrs.workflow(a).trigger("x").idempotencyKey("shared").start(store);
    const mb = await pgqrs.workflow(b).trigger("y").idempotencyKey("shared").start(store);
    expect(mb.message.id).not.toBe(ma.message.id);
    expect(mb.run.id).not.toBe(ma.run.id);
    expect(mb.message.payload).toEqual({ input: "y" });
    expect((await pgqrs.workflow(b).trigger("z").idempotencyKey("shared").execute(store)).id).toBe(mb.message.id);
  });

  it("returns the finished run's message after it ran, without running it again", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("once");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (_run, input: number) => {
      calls += 1;
      return input * 2;
    });
    await p.serve(def);
    const first = await pgqrs.workflow(name).trigger(21).idempotencyKey("job-7").execute(store);
    const done = await p.runWhen(first, p.byStatus("SUCCESS"));
    expect(done.output).toBe(42);
    const again = await pgqrs.workflow(name).trigger(99).idempotencyKey("job-7").start(store);
    expect(again.message.id).toBe(first.id);
    expect(again.run).toMatchObject({ id: done.id, status: "SUCCESS", output: 42 });
    expect(await store.tables().workflowRuns().count()).toBe(1);
    expect(await pgqrs.run().message(again.message).store(store).result({ timeoutMs: 0 })).toBe(42);
    expect(calls).toBe(1);
  });

  it("creates one run when triggers with one key race", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("racing");
    await store.createWorkflow(name);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => pgqrs.workflow(name).trigger({ i }).idempotencyKey("same").start(store)),
    );
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    expect(await store.tables().workflowRuns().count()).toBe(1);
    const queue = await store.tables().queues().getByName(name);
    expect(await store.tables().messages().count({ queueId: queue!.id, state: "all" })).toBe(1);
  });

  it("refuses bad keys, bad input and unknown workflows of keyed triggers, writing nothing", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("keyed_bad");
    await store.createWorkflow(name);
    for (const key of ["", "k".repeat(256), 42 as unknown as string]) {
      await p.expectNothingWritten("VALIDATION_FAILED", async () =>
        pgqrs.workflow(name).trigger(1).idempotencyKey(key).execute(store),
      );
    }
    await p.expectNothingWritten("VALIDATION_FAILED", () =>
      pgqrs
        .workflow(name)
        .trigger({ f: () => 1 })
        .idempotencyKey("k")
        .start(store),
    );
    await p.expectNothingWritten("WORKFLOW_NOT_FOUND", () =>
      pgqrs.workflow("no_such_workflow").trigger(1).idempotencyKey("k").start(store),
    );
    // The refused key is still free.
    const first = await pgqrs.workflow(name).trigger(1).idempotencyKey("k").start(store);
    expect(first.created).toBe(true);
    expect(first.run.input).toEqual({ input: 1 });
  });
});
