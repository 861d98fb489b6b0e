import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

// Run and step handles as the reference's §1.10.5 and §3.3-3.4 describe them.
describe.each(BACKENDS)("workflow run handles per spec on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const name = `wfs_${n}`;
    await t.store.createWorkflow(name);
    const consumer = await t.store.consumer(name);
    const openRun = async (input: unknown = { id: 1 }) => {
      const msg = await pgqrs.workflow(name).trigger(input).execute(t.store);
      const [m] = await consumer.dequeue();
      return { ...t, name, consumer, msg, m: m!, run: await pgqrs.run().message(m!).store(t.store).execute() };
    };
    return { ...t, name, consumer, openRun };
  };

  it("refuses start() on SUCCESS, ERROR, CANCELLING and CANCELLED runs with VALIDATION_FAILED", async () => {
    const t = await setup();
    const finish: Record<string, (run: pgqrs.Run) => Promise<unknown>> = {
      SUCCESS: (run) => run.complete({ ok: true }),
      ERROR: (run) => run.fail("boom"),
      CANCELLING: (run) => run.cancel(),
      CANCELLED: async (run) => {
        await run.cancel();
        await pgqrs.workflowStep(run, "boundary", async () => 1).catch(() => undefined);
      },
    };
    for (const [status, op] of Object.entries(finish)) {
      const { run } = await t.openRun();
      await run.start();
      await op(run);
      expect((await run.refresh()).status).toBe(status);
      const err = await thrown(() => run.start());
      expect(err).toBeInstanceOf(pgqrs.PgqrsError);
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain(`Run ${run.id} is in terminal ${status} state`);
      expect((await run.refresh()).status).toBe(status);
    }
  });
});
