/**
 * `dequeue().at(time)` in handler loops: every claim the loop sends (the first plain claim and the claims riding on
 * acknowledgements) sees the queue at `time`, not at the store's clock (issue 14 item 15).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

const HOUR_MS = 3_600_000;

describe.each(EVERY_BACKEND)("handler loops honour dequeue().at(time) on %s", (backend) => {
  /**
   * Runs a batch loop at `at` until it has handled two batches: `early` is visible before the loop starts, `late`
   * (enqueued by the first batch's handler) is claimed by the claim that acknowledges the first batch.
   */
  const twoBatches = async (queue: string, at: (t: Date) => Date, clockShiftMs: number) => {
    const { store, clock } = await openTestStore(backend, { pollIntervalMs: 10 });
    await store.queue(queue);
    const producer = await store.producer(queue);
    const consumer = await store.consumer(queue);
    const start = clock.now();
    const T = new Date(start.getTime() + HOUR_MS);
    await producer.enqueueAt("early", new Date(start.getTime() - HOUR_MS));
    // Delayed until T.
    const delayed = await producer.enqueueDelayed("delayed", HOUR_MS / 1000);
    expect(delayed.vt.getTime()).toBe(T.getTime());
    clock.advance(clockShiftMs);
    const batches: unknown[][] = [];
    const controller = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .batch(10)
      .prefetch(0)
      .at(at(T))
      .signal(controller.signal)
      .handleBatch(async (messages) => {
        batches.push(messages.map((m) => m.payload));
        if (batches.length === 1) await producer.enqueueAt("late", new Date(start.getTime() - HOUR_MS));
        if (batches.length === 2) controller.abort();
      })
      .poll(store);
    expect(await loop).toBe("aborted");
    const row = await store.tables().messages().get(delayed.id);
    return { batches, delayed: row };
  };

  it("does not claim a message delayed until T in a loop .at(before T), though the clock is past T", async () => {
    const { batches, delayed } = await twoBatches("at_before", (T) => new Date(T.getTime() - 1000), 2 * HOUR_MS);
    expect(batches).toEqual([["early"], ["late"]]);
    expect(delayed?.readCt).toBe(0);
    expect(delayed?.consumerWorkerId).toBeNull();
  });

  it("claims a message delayed until T in a loop .at(after T), though the clock is before T", async () => {
    const { batches, delayed } = await twoBatches("at_after", (T) => new Date(T.getTime() + 1000), 0);
    expect(batches).toEqual([["early", "delayed"], ["late"]]);
    expect(delayed?.archivedAt).not.toBeNull();
  });

  it("claims with .at on the acknowledging claim too: a message delayed until T rides on it only after T", async () => {
    const { store, clock } = await openTestStore(backend, { pollIntervalMs: 10 });
    await store.queue("at_ack");
    const producer = await store.producer("at_ack");
    const consumer = await store.consumer("at_ack");
    const start = clock.now();
    await producer.enqueue("first");
    const seen: string[] = [];
    const controller = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .batch(10)
      .prefetch(0)
      .at(new Date(start.getTime() + 2 * HOUR_MS))
      .signal(controller.signal)
      .handleBatch(async (messages) => {
        for (const m of messages) seen.push(m.payload as string);
        // Delayed one hour past the store's clock, but visible at the loop's time.
        if (seen.length === 1) await producer.enqueueDelayed("second", HOUR_MS / 1000);
        else controller.abort();
      })
      .poll(store);
    expect(await loop).toBe("aborted");
    expect(seen).toEqual(["first", "second"]);
  });
});
