/**
 * Issue 16, items 4 and 5: the message `trigger(input).execute(store)` returns carries its run's controls
 * (`runId()`, `result()`, `status()`, `cancel()`), bound to the store it was triggered on, and stays a plain queue
 * message otherwise; `result()` / `get()` of a message that is not a workflow trigger is VALIDATION_FAILED at once
 * (virtual time never moves here, so a wait would never end).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";

interface Order {
  orderId: number;
  qty: number;
}

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe.each(EVERY_BACKEND)("typed trigger messages on %s", (backend) => {
  it("runId, status and result on the returned message; the message is still the plain trigger message", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("typed_orders");
    const def = pgqrs.defineWorkflow({ name }, async (run, input: Order) =>
      run.step("price", async () => ({ orderId: input.orderId, total: input.qty * 3 })),
    );
    await store.createWorkflow(name);
    const msg = await pgqrs.workflow().name(def).trigger({ orderId: 7, qty: 2 }).execute(store);

    // The message of the seed guide: id, payload `{ input }`, nothing else enumerable.
    expect(msg.payload).toEqual({ input: { orderId: 7, qty: 2 } });
    const plain = await store.tables().messages().get(msg.id);
    if (plain === null) throw new Error("the trigger message should be there");
    expect(Object.keys(msg).sort()).toEqual(Object.keys(plain).sort());
    expect(JSON.parse(JSON.stringify(msg))).toEqual(JSON.parse(JSON.stringify(plain)));
    expect({ ...msg }).not.toHaveProperty("result");

    expect(await msg.status()).toBe("QUEUED");
    const runId = await msg.runId();
    expect(runId).toBe((await pgqrs.workflow(name).getRun(msg.id, store)).id);
    expect(await msg.runId()).toBe(runId);

    await p.serve(def);
    await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(await msg.status()).toBe("SUCCESS");
    const out = await msg.result({ timeoutMs: 0 });
    expect(out).toEqual({ orderId: 7, total: 6 });
    expect((await pgqrs.workflow().name(def).getRun(msg.id, store)).output).toEqual({ orderId: 7, total: 6 });
    // A cancel of a finished run is refused, as `workflow(name).cancel` refuses it.
    expect(await codeOf(msg.cancel())).toBe("INVALID_STATE_TRANSITION");
  });

  it("cancel() on the returned message cancels its run; result() then rejects CANCELLED", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("typed_cancel");
    const def = pgqrs.defineWorkflow({ name }, async (_run, input: { n: number }) => input.n * 2);
    await store.createWorkflow(name);
    const msg = await pgqrs.workflow().name(def).trigger({ n: 1 }).execute(store);
    const cancelled = await msg.cancel();
    expect(cancelled).toMatchObject({ messageId: msg.id, status: "CANCELLING" });
    expect(await msg.status()).toBe("CANCELLING");
    expect(await msg.runId()).toBe(cancelled.id);
    await p.serve(def);
    await p.runWhen(msg, p.byStatus("CANCELLED"));
    expect(await codeOf(msg.result({ timeoutMs: 0 }))).toBe("CANCELLED");
  });

  it("idempotent start() returns the same controls; a trigger not run yet times out instead of failing validation", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("typed_start");
    await store.createWorkflow(name);
    const started = await pgqrs.workflow(name).trigger({ a: 1 }).idempotencyKey("k").start(store);
    expect(await started.message.runId()).toBe(started.run.id);
    expect(await started.message.status()).toBe("QUEUED");
    const again = await pgqrs.workflow(name).trigger({ a: 2 }).idempotencyKey("k").execute(store);
    expect(await again.runId()).toBe(started.run.id);
    const unrun = await pgqrs.workflow(name).trigger({ a: 3 }).execute(store);
    expect(await codeOf(unrun.result({ timeoutMs: 0 }))).toBe("TIMEOUT");
    expect(await pgqrs.run().message(unrun).store(store).get()).toBeUndefined();
  });

  it("result() and get() of a message of a plain queue are VALIDATION_FAILED at once, with nothing written", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const queue = wfName("plain_q");
    await store.queue(queue);
    const m = await (await store.producer(queue)).enqueue({ hello: "world" });
    const builder = pgqrs.run().message(m).store(store);
    // No timeout and a clock that never moves: only an answer at once can settle these.
    const err = await p.expectNothingWritten("VALIDATION_FAILED", () => builder.result());
    expect(err.message).toContain(`message ${m.id} is not a workflow trigger`);
    expect(err.details).toMatchObject({ messageId: m.id, queueId: m.queueId });
    await p.expectNothingWritten("VALIDATION_FAILED", () => builder.get());
  });
});
