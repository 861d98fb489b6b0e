/**
 * A poll loop plans its claim after the status read that precedes it, so the slots of units that settled during that
 * round trip are claimed for with their acknowledgements. Planned before it, the claim asked only for the slots free
 * at the start, and when none were, the acknowledgements went alone in a statement that claimed nothing: three such
 * round trips in each 10,000-message drain at 16 slots of 50 (issue 21, measured 2026-12-06).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { gate, nextTurn, openVirtualStore } from "../support/virtual-time.js";

// Short next to the heartbeat period (5 s), so the worker never looks like a zombie to its own maintenance.
const POLL_MS = 1_000;

describe.each(EVERY_BACKEND)("a poll loop's claim after a status read on %s", (backend) => {
  it("claims for the slots that freed while the status was read, with their acknowledgements", async () => {
    const { store, clock } = await openVirtualStore(backend);
    await store.queue("plan");
    const producer = await store.producer("plan");
    await producer.enqueueBatch([1, 2, 3, 4]);
    const consumer = await store.consumer("plan");
    const sends: Array<{ acks: number; limit: number | undefined }> = [];
    const archiveAndDequeue = consumer.archiveAndDequeue.bind(consumer);
    consumer.archiveAndDequeue = (ids, options) => {
      sends.push({ acks: ids.length, limit: options?.batchSize });
      return archiveAndDequeue(ids, options);
    };
    const status = consumer.status.bind(consumer);
    let statusRead = gate();
    let statusEntered = false;
    consumer.status = async () => {
      statusEntered = true;
      await statusRead.wait;
      return status();
    };
    statusRead.open();
    const handlers = new Map<unknown, () => void>();
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .concurrency(2)
      .prefetch(0)
      .pollInterval(POLL_MS)
      .handle(
        (m) =>
          new Promise<void>((resolve) => {
            handlers.set(m.payload, resolve);
          }),
      )
      .poll(store);
    await expect.poll(() => handlers.size, { timeout: 15_000 }).toBe(2);

    // The status read falls due, and is held until both units have settled.
    statusRead = gate();
    statusEntered = false;
    clock.advance(POLL_MS);
    handlers.get(1)?.();
    await expect.poll(() => statusEntered, { timeout: 15_000 }).toBe(true);
    handlers.get(2)?.();
    for (let t = 0; t < 10; t++) await nextTurn();
    statusRead.open();
    await expect.poll(() => sends.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(sends[0]).toEqual({ acks: 2, limit: 2 });

    await expect.poll(() => handlers.size, { timeout: 15_000 }).toBe(4);
    handlers.get(3)?.();
    handlers.get(4)?.();
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });
});
