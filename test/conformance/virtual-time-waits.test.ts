/**
 * Bounded waits run on the store clock's timers: with a {@link pgqrs.VirtualClock} a ten-minute `until` or
 * `timeoutMs` ends when the test advances the clock ten minutes, not one millisecond earlier, and without ten
 * minutes of real time.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

const TEN_MINUTES = 600_000;

describe.each(EVERY_BACKEND)("bounded waits in virtual time on %s", (backend) => {
  it("a bounded poll returns [] at its until() deadline of the store's clock", async () => {
    const { store, clock } = await openVirtualStore(backend);
    await store.queue("bounded");
    const consumer = await store.consumer("bounded");
    let result: pgqrs.QueueMessage[] | undefined;
    const polling = pgqrs
      .dequeue()
      .worker(consumer)
      .pollInterval(TEN_MINUTES)
      .until(TEN_MINUTES)
      .poll(store)
      .then((got) => {
        result = got;
      });
    await untilTimerAt(clock, TEN_MINUTES);
    clock.advance(TEN_MINUTES - 1);
    await untilTimerAt(clock, 1);
    expect(result).toBeUndefined();
    clock.advance(1);
    await polling;
    expect(result).toEqual([]);
    expect(await consumer.status()).toBe("ready");
  });

  it("result() gives up with TIMEOUT after timeoutMs of the store's clock", async () => {
    const { store, clock } = await openVirtualStore(backend);
    await store.createWorkflow("never_served");
    const msg = await pgqrs.workflow("never_served").trigger({}).execute(store);
    let code: string | undefined;
    const waiting = pgqrs
      .run()
      .message(msg)
      .store(store)
      .result({ timeoutMs: TEN_MINUTES, pollIntervalMs: TEN_MINUTES })
      .catch((err: pgqrs.PgqrsError) => {
        code = err.code;
      });
    await untilTimerAt(clock, TEN_MINUTES);
    expect(code).toBeUndefined();
    clock.advance(TEN_MINUTES);
    await waiting;
    expect(code).toBe("TIMEOUT");
  });
});
