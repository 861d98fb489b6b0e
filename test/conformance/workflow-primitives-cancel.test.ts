/**
 * Cancellation of waiting runs (issue 15): a run asleep or waiting for a message is woken by its cancellation and
 * ends CANCELLED long before its deadline; a finished or cancelling run takes no messages; a cancelled child makes
 * its parent's `result()` throw CHILD_FAILED with status CANCELLED.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { DAY_MS, drive, openPrimitives, PROMPT_MS, wfName } from "../support/primitives.js";

describe.each(EVERY_BACKEND)("cancelling waiting runs on %s", (backend) => {
  it("wakes a run asleep or waiting for a message and cancels it, long before its deadline", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("cancel_wait");
    let after = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { kind: string }) => {
      if (input.kind === "sleep") await run.sleep("nap", DAY_MS);
      else await run.recv("approval", "decision", { timeoutMs: DAY_MS });
      await run.step("after", async () => {
        after += 1;
      });
      return "not cancelled";
    });
    await p.serve(def, { concurrency: 2 });
    for (const kind of ["sleep", "recv"]) {
      const msg = await pgqrs.workflow(name).trigger({ kind }).execute(store);
      await p.runWhen(msg, p.byStatus("PAUSED"));
      const cancelledAt = clock.now().getTime();
      expect((await pgqrs.workflow(name).cancel(msg.id, store)).status).toBe("CANCELLING");
      const done = await p.runWhen(msg, p.byStatus("CANCELLED"));
      expect(done.waitingFor).toBeNull();
      expect(clock.now().getTime() - cancelledAt).toBeLessThanOrEqual(PROMPT_MS);
      // Its trigger message is archived (by the worker's next statement: drive until it is).
      await drive(clock, async () => (await store.tables().messages().get(msg.id))?.archivedAt != null);
      // A cancelled run takes no more messages.
      const refused = await p.expectNothingWritten("INVALID_STATE_TRANSITION", () =>
        pgqrs.send(store, done.id, "decision", "too late"),
      );
      expect(refused.code).toBe("INVALID_STATE_TRANSITION");
    }
    expect(after).toBe(0);
  });

  it("refuses a send to a CANCELLING run", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("cancelling");
    await store.createWorkflow(name);
    const { message, run } = await pgqrs.workflow(name).trigger(null).start(store);
    expect((await pgqrs.workflow(name).cancel(message.id, store)).status).toBe("CANCELLING");
    await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => pgqrs.send(store, run.id, "t", 1));
  });

  it("a cancelled child makes result() throw CHILD_FAILED with status CANCELLED", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = pgqrs.defineWorkflow({ name: wfName("doomed_child") }, async (run) => {
      await run.sleep("forever", DAY_MS);
      return "never";
    });
    await store.createWorkflow(child.name);
    const parent = pgqrs.defineWorkflow({ name: wfName("parent_of_doomed") }, async (run) => {
      try {
        return await run.callChild("kid", child, null);
      } catch (err) {
        const e = err as pgqrs.PgqrsError;
        return { code: e.code, details: e.details };
      }
    });
    await p.serve(parent);
    await p.serve(child);
    const msg = await pgqrs.workflow(parent.name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    const kidId = paused.waitingFor?.childRunId as number;
    const kid = await store.tables().workflowRuns().get(kidId);
    await p.runWhen({ id: kid!.messageId }, p.byStatus("PAUSED"));
    await pgqrs.workflow(child.name).cancel(kid!.messageId, store);
    await p.runWhen({ id: kid!.messageId }, p.byStatus("CANCELLED"));
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toMatchObject({ code: "CHILD_FAILED", details: { childRunId: kidId, status: "CANCELLED" } });
  });
});
