/**
 * The engine's waits end to end with a worker, in virtual time: a sleeping run gives its slot back and wakes on
 * time, a `recv` is woken by a `send`, a parent waits for its children (fan-out) and is woken by their ends.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openVirtualStore } from "../support/virtual-time.js";

/** The output of the run of `message` once it is SUCCESS, polled in real time (results wait on the virtual clock). */
async function outputOf(store: pgqrs.Store, message: { id: number }): Promise<unknown> {
  let rec: pgqrs.RunRecord | null = null;
  await expect
    .poll(
      async () => {
        rec = await store.context.backend.getRunByMessageId(message.id);
        return rec?.status;
      },
      { timeout: 20_000 },
    )
    .toBe("SUCCESS");
  return (rec as pgqrs.RunRecord | null)?.output;
}

describe.each(EVERY_BACKEND)("workflow primitives through a worker on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openVirtualStore(backend, { pollIntervalMs: 50 });
    n += 1;
    return { ...t, name: `wpe_${n}` };
  };

  it("a sleeping run frees its slot, is PAUSED with its wake-up time, and wakes on time once", async () => {
    const { store, name, clock } = await setup();
    let bodies = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { label: string }) => {
      if (input.label === "sleeper") await run.sleep("nap", 86_400_000);
      return run.step("after", async () => {
        bodies += 1;
        return input.label;
      });
    });
    await pgqrs.workflow().name(def).create(store);
    const consumer = await pgqrs.consumer("w", 1, name).create(store);
    const sleeper = await pgqrs.workflow().name(def).trigger({ label: "sleeper" }).execute(store);
    const worker = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    await expect
      .poll(async () => (await pgqrs.workflow(name).getRun(sleeper.id, store)).status, { timeout: 15_000 })
      .toBe("PAUSED");
    const paused = await pgqrs.workflow(name).getRun(sleeper.id, store);
    expect(paused.waitingFor).toMatchObject({ kind: "sleep", name: "nap" });
    expect(paused.waitingFor?.until?.getTime()).toBe(clock.now().getTime() + 86_400_000);
    // concurrency 1, and another trigger is served while the first sleeps
    const other = await pgqrs.workflow().name(def).trigger({ label: "other" }).execute(store);
    expect(await outputOf(store, other)).toBe("other");
    // The worker goes away for the day (a whole day without heartbeats would make its own loop reclaim it); the
    // run wakes on time under a worker started after the downtime.
    await consumer.interrupt();
    await worker;
    clock.advance(86_400_000 - 1);
    const later = await pgqrs.consumer("w2", 1, name).create(store);
    const worker2 = pgqrs.workflow().name(def).consumer(later).poll(store);
    clock.advance(1);
    expect(await outputOf(store, sleeper)).toBe("sleeper");
    expect(bodies).toBe(2);
    const done = await pgqrs.workflow(name).getRun(sleeper.id, store);
    expect(done.waitingFor).toBeNull();
    expect(
      (await store.context.backend.listSteps({ runId: done.id })).map((s) => [s.stepName, s.kind, s.status]),
    ).toEqual([
      ["nap", "sleep", "SUCCESS"],
      ["after", "step", "SUCCESS"],
    ]);
    await later.interrupt();
    await worker2;
  });

  it("recv waits PAUSED for a message; send wakes it before its timeout", async () => {
    const { store, name } = await setup();
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      const a = await run.recv<{ ok: boolean }>("approval", "approve", { timeoutMs: 3_600_000 });
      return { a };
    });
    await pgqrs.workflow().name(def).create(store);
    const consumer = await pgqrs.consumer("w", 1, name).create(store);
    const { message, run } = await pgqrs.workflow().name(def).trigger(null).start(store);
    const worker = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    await expect.poll(async () => (await pgqrs.admin(store).getRun(run.id)).status, { timeout: 15_000 }).toBe("PAUSED");
    expect((await pgqrs.admin(store).getRun(run.id)).waitingFor).toMatchObject({ kind: "message", topic: "approve" });
    await pgqrs.send(store, run.id, "approve", { ok: true });
    expect(await outputOf(store, message)).toEqual({ a: { ok: true } });
    const msgs = await pgqrs.admin(store).runMessages(run.id);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]?.consumedByStep).toBe("approval");
    await consumer.interrupt();
    await worker;
  });

  it("fan-out: a parent waits for three children and sums their outputs", async () => {
    const { store, name } = await setup();
    const child = pgqrs.defineWorkflow({ name: `${name}_child` }, async (run, x: number) =>
      run.step("double", async () => x * 2),
    );
    const parent = pgqrs.defineWorkflow({ name }, async (run) => {
      const handles = await Promise.all([1, 2, 3].map((x) => run.startChild(`c${x}`, child, x)));
      const outs = await Promise.all(handles.map((h) => h.result()));
      const one = await run.callChild("solo", child, 10);
      return outs.reduce((a, b) => a + b, 0) + one;
    });
    await pgqrs.workflow().name(parent).create(store);
    await pgqrs.workflow().name(child).create(store);
    const pc = await pgqrs.consumer("p", 1, name).create(store);
    const cc = await pgqrs.consumer("c", 1, child.name).create(store);
    const { message, run } = await pgqrs.workflow().name(parent).trigger(null).start(store);
    const w1 = pgqrs.workflow().name(parent).consumer(pc).poll(store);
    const w2 = pgqrs.workflow().name(child).consumer(cc).concurrency(2).poll(store);
    expect(await outputOf(store, message)).toBe(32);
    const kids = await pgqrs.admin(store).childRuns(run.id);
    expect(kids.map((k) => k.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
    expect(kids.every((k) => k.parentRunId === run.id)).toBe(true);
    await pc.interrupt();
    await cc.interrupt();
    await Promise.all([w1, w2]);
  });
});
