/**
 * Typed queues and deep payloads (review L2, re-verified): `defineQueue`'s own JSON-data check walks the payload
 * too, so a payload nested deeper than the hard ceiling must get the producer's VALIDATION_FAILED naming the depth,
 * never a RangeError, and write nothing, on the first call through a store and on later ones; a payload at the
 * ceiling still round-trips.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { MAX_PAYLOAD_DEPTH } from "../../src/queue/payload-validation.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { expectRefused } from "../support/row-snapshot.js";
import { openTestStore } from "../support/stores.js";

/** An object nested `depth` levels below the root. */
function nestedObject(depth: number): pgqrs.JsonValue {
  let v: pgqrs.JsonValue = "leaf";
  for (let i = 0; i < depth; i++) v = { k: v };
  return v;
}

describe.each(EVERY_BACKEND)("typed queue payload depth on %s", (backend) => {
  it("100,000 levels are VALIDATION_FAILED (not RangeError) for enqueue and enqueueBatch, before and after first use", async () => {
    const { store } = await openTestStore(backend);
    const q = pgqrs.defineQueue("deep_typed");
    const deep = nestedObject(100_000);
    // First call through the store: nothing exists yet, and nothing may be created.
    await expectRefused(store, "depth", () => q.enqueue(store, deep));
    await expectRefused(store, "depth", () => q.enqueueBatch(store, [1, deep]));
    expect(await pgqrs.admin(store).listQueues()).toEqual([]);
    // Once the queue exists, the refusal is the same.
    await q.enqueue(store, 1);
    await expectRefused(store, "depth", () => q.enqueue(store, deep));
    await expectRefused(store, "index 1", () => q.enqueueBatch(store, [1, deep]));
  });

  it(`a payload ${MAX_PAYLOAD_DEPTH} levels deep round-trips through a typed queue`, async () => {
    const { store } = await openTestStore(backend);
    const q = pgqrs.defineQueue("deep_typed_ok");
    const atLimit = nestedObject(MAX_PAYLOAD_DEPTH);
    const sent = await q.enqueue(store, atLimit);
    const consumer = await q.consumer(store);
    const [got] = await consumer.dequeue();
    expect(got?.id).toBe(sent.id);
    expect(got?.payload).toEqual(atLimit);
  });
});
