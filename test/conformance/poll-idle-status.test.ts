/**
 * An idle poll loop reads its worker's status once per poll interval (issue 21: it used to read it twice, once before
 * its claim and once more before going to sleep).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { nextTurn, openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

// Short next to the heartbeat period (5 s), so the worker never looks like a zombie to its own maintenance.
const POLL_MS = 1_000;

describe.each(EVERY_BACKEND)("idle poll loop status reads on %s", (backend) => {
  it("reads the worker's status once per idle poll", async () => {
    const { store, clock } = await openVirtualStore(backend);
    await store.queue("idle");
    const consumer = await store.consumer("idle");
    let reads = 0;
    const status = consumer.status.bind(consumer);
    consumer.status = () => {
      reads += 1;
      return status();
    };
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .pollInterval(POLL_MS)
      .handle(async () => undefined)
      .poll(store);
    await untilTimerAt(clock, POLL_MS);
    const polls = 4;
    const before = reads;
    for (let i = 0; i < polls; i++) {
      const seen = reads;
      clock.advance(POLL_MS);
      // Woken: one pass (status, claim), then asleep for another poll interval.
      await expect.poll(() => reads > seen, { timeout: 15_000 }).toBe(true);
      await untilTimerAt(clock, POLL_MS);
      for (let t = 0; t < 5; t++) await nextTurn();
    }
    expect(reads - before).toBe(polls);

    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
    expect(await status()).toBe("suspended");
  });
});
