import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { MAX_PAYLOAD_DEPTH } from "../../src/queue/payload-validation.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { expectRefused } from "../support/row-snapshot.js";
import { openTestStore } from "../support/stores.js";

// Issue 14 item 8 (review L2): a payload nested deeper than the hard ceiling (1,000 levels, whatever
// maxObjectDepth says; maxObjectDepth stays off by default) is VALIDATION_FAILED, never a RangeError, and nothing
// is written; payloads up to the ceiling round-trip on both backends.

/** An array nested `depth` levels below the root: the innermost value sits at depth `depth`. */
function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function nestedObject(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = { k: v };
  return v;
}

describe.each(EVERY_BACKEND)("payload depth on %s", (backend) => {
  it("100,000 levels are VALIDATION_FAILED (not RangeError) for enqueue, batches, triggers, outputs and steps", async () => {
    const { store } = await openTestStore(backend);
    expect(store.config.validationConfig.maxObjectDepth).toBeNull();
    await pgqrs.admin(store).createQueue("q");
    const producer = await store.producer("q");
    const deep = nested(100_000);
    const deepObject = nestedObject(100_000);
    await expectRefused(store, "depth", () => producer.enqueue(deep));
    await expectRefused(store, "depth", () => producer.enqueue(deepObject));
    await expectRefused(store, "index 1", () => producer.enqueueBatch([1, deep]));
    // The builder's ephemeral producer registers on first use, whatever the payload: register it first.
    const [id] = await pgqrs.enqueue().message(1).to("q").execute(store);
    await pgqrs.admin(store).deleteMessages([id!]);
    await expectRefused(store, "depth", () => pgqrs.enqueue().message(deep).to("q").execute(store));
    await store.createWorkflow("wf");
    const consumer = await store.consumer("wf");
    await pgqrs.workflow("wf").trigger({}).execute(store);
    await expectRefused(store, "depth", () => pgqrs.workflow("wf").trigger(deep).execute(store));
    const [m] = await consumer.dequeue();
    const run = await pgqrs.run().message(m!).store(store).execute();
    await run.start();
    const step = await run.acquireStep("s");
    if (step.status !== "EXECUTE") throw new Error("expected EXECUTE");
    await expectRefused(store, "depth", () => step.guard.success(deep));
    await expectRefused(store, "depth", () => run.complete(deepObject));
  });

  it(`payloads ${MAX_PAYLOAD_DEPTH} levels deep round-trip; one level more is refused with the limit named`, async () => {
    const { store } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("q");
    const producer = await store.producer("q");
    const consumer = await store.consumer("q");
    const atLimit = nested(MAX_PAYLOAD_DEPTH);
    await producer.enqueue(atLimit);
    const [got] = await consumer.dequeue();
    expect(got?.payload).toEqual(atLimit);
    const err = await expectRefused(store, "depth", () => producer.enqueue(nested(MAX_PAYLOAD_DEPTH + 1)));
    expect(err.message).toContain(`exceeds limit ${MAX_PAYLOAD_DEPTH}`);
  });

  it("a configured maxObjectDepth below the ceiling still applies; one above it is capped by the ceiling", async () => {
    const low = await openTestStore(backend, { validationConfig: { maxObjectDepth: 3 } as pgqrs.ValidationConfig });
    await pgqrs.admin(low.store).createQueue("q");
    const p = await low.store.producer("q");
    await p.enqueue(nested(3));
    await expectRefused(low.store, "exceeds limit 3", () => p.enqueue(nested(4)));
    const high = await openTestStore(backend, {
      validationConfig: { maxObjectDepth: 5_000 } as pgqrs.ValidationConfig,
    });
    await pgqrs.admin(high.store).createQueue("q");
    const ph = await high.store.producer("q");
    await expectRefused(high.store, `exceeds limit ${MAX_PAYLOAD_DEPTH}`, () => ph.enqueue(nested(100_000)));
  });
});
