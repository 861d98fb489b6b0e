/**
 * The in-process wake after a send or a child's end (`signalRunQueue`): it looks up the run's queue only when a
 * consumer of the store listens, and reads a workflow's queue once per store (a workflow keeps its queue for life).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { StoreBackend } from "../../src/store/store.js";
import { signalRunQueue } from "../../src/workflow/run-messages.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

/** Count the backend's run and workflow reads from here on (the real calls, counted). */
function countReads(backend: StoreBackend): { getRun: number; getWorkflowById: number } {
  const counts = { getRun: 0, getWorkflowById: 0 };
  const getRun = backend.getRun.bind(backend);
  const getWorkflowById = backend.getWorkflowById.bind(backend);
  backend.getRun = (id) => {
    counts.getRun += 1;
    return getRun(id);
  };
  backend.getWorkflowById = (id) => {
    counts.getWorkflowById += 1;
    return getWorkflowById(id);
  };
  return counts;
}

describe.each(EVERY_BACKEND)("signalRunQueue on %s", (backend) => {
  it("reads nothing when no consumer of the store listens, and the workflow's queue once when one does", async () => {
    const { store } = await openTestStore(backend);
    const def = pgqrs.defineWorkflow({ name: "signalled" }, async (_run, input: number) => input);
    await pgqrs.workflow().name(def).create(store);
    const msg = await pgqrs.workflow().name(def).trigger(1).execute(store);
    const runId = await msg.runId();
    const ctx = store.context;
    const counts = countReads(ctx.backend);

    await signalRunQueue(ctx, runId);
    expect(counts).toEqual({ getRun: 0, getWorkflowById: 0 });

    const queue = await store.tables().queues().getByName("signalled");
    if (queue === null) throw new Error("the workflow has no queue");
    let woken = 0;
    const unsubscribe = ctx.enqueueSignals.subscribe(queue.id, () => {
      woken += 1;
    });
    await signalRunQueue(ctx, runId);
    await signalRunQueue(ctx, runId);
    expect(woken).toBe(2);
    expect(counts).toEqual({ getRun: 2, getWorkflowById: 1 });

    unsubscribe();
    await signalRunQueue(ctx, runId);
    expect(woken).toBe(2);
    expect(counts.getRun).toBe(2);
  });
});
