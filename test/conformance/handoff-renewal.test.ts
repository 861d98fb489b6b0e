/**
 * A busy workflow worker keeps taking hand-offs past its poll interval: while runs are in flight it claims again a
 * little before its queue's drained state (a poll interval after the last short claim) runs out, so that claim
 * comes back short and renews the state before the next triggers would find it gone (src/queue/poll-loop.ts,
 * `renewAfterMs`). Checked on the store's virtual clock: where the worker's next claim is scheduled, before and after
 * the renewal, and that runs triggered then and before still finish.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

const POLL = 1_000;
/** The renewal's lead for a 1,000 ms poll: a quarter of it, at most 50 ms. */
const RENEW = POLL - 50;

describe.each(EVERY_BACKEND)("hand-off renewal on %s", (backend) => {
  it("a workflow worker with a run in flight claims again before its poll interval ends", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: POLL });
    // Where the insert cannot also start the run (SQLite), the worker takes no hand-offs: it claims once the poll
    // interval is over, as every other loop does.
    const next = store.context.backend.enqueueAndStartRun !== undefined ? RENEW : POLL;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let holding = false;
    const wf = pgqrs.defineWorkflow({ name: "renew_wf" }, async (run, input: string) =>
      pgqrs.workflowStep(run, "wait", async () => {
        if (input === "hold") {
          holding = true;
          await gate;
        }
        return input;
      }),
    );
    await pgqrs.workflow().name(wf).create(store);
    const consumer = await store.consumer("renew_wf");
    const worker = pgqrs.workflow().name(wf).consumer(consumer).concurrency(2).poll(store);
    try {
      await expect.poll(() => consumer.status(), { timeout: 15_000 }).toBe("polling");
      await untilTimerAt(clock, POLL); // idle: the first claim came back empty
      const held = await pgqrs.workflow().name(wf).trigger("hold").execute(store);
      await expect.poll(() => holding, { timeout: 15_000 }).toBe(true);
      // Busy: the next claim is due before the drained state runs out, not at its end.
      await untilTimerAt(clock, next);
      clock.advance(next);
      // That claim came back short: the state starts again, and so does the wait before the next renewal.
      await untilTimerAt(clock, next);
      clock.advance(150); // 150 ms after the renewal, past the first poll interval
      const quick = await pgqrs.workflow().name(wf).trigger("quick").execute(store);
      await expect
        .poll(async () => (await pgqrs.workflow("renew_wf").getRun(quick.id, store)).status, { timeout: 15_000 })
        .toBe("SUCCESS");
      open();
      await expect
        .poll(async () => (await pgqrs.workflow("renew_wf").getRun(held.id, store)).status, { timeout: 15_000 })
        .toBe("SUCCESS");
    } finally {
      open();
      await consumer.interrupt();
      await worker;
    }
  });
});
