import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

// Run outcomes of a workflow worker as the reference's §1.10.4 maps them.
describe.each(EVERY_BACKEND)("workflow outcomes per spec on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend, { pollIntervalMs: 10 });
    n += 1;
    const name = `wfo_${n}`;
    await t.store.createWorkflow(name);
    return { ...t, name, consumer: await t.store.consumer(name) };
  };

  it("completes a workflow that returns nothing (a void function) SUCCESS with output null", async () => {
    const { store, name, consumer } = await setup();
    let ran = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run): Promise<void> => {
      await pgqrs.workflowStep(run, "side_effect", async () => {
        ran += 1;
        return "done";
      });
    });
    const msg = await pgqrs.workflow(name).trigger({}).execute(store);
    const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).toBeNull();
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
    const rec = await pgqrs.workflow(name).getRun(msg.id, store);
    expect(rec.status).toBe("SUCCESS");
    expect(rec.output).toBeNull();
    expect(rec.error).toBeNull();
    expect(ran).toBe(1);
    expect((await store.tables().messages().get(msg.id))?.archivedAt).not.toBeNull();
  });
});
