/**
 * Events of a run (issue 15): `run.setEvent` (last write wins) and `pgqrs.getEvent`, which waits up to its timeout
 * of the store's clock for the event to be set, else returns `null`.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { DAY_MS, drive, openPrimitives, wfName } from "../support/primitives.js";
import { errorCode } from "../support/stores.js";
import { untilTimerAt } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("run events on %s", (backend) => {
  it("setEvent: last write wins; runEvents lists one event per key", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("progress");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      await run.setEvent("progress", 10);
      await run.setEvent("stage", { name: "upload" });
      await run.setEvent("progress", 50);
      await run.setEvent("progress", 100);
      return "ok";
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(await pgqrs.getEvent(store, done.id, "progress")).toBe(100);
    expect(await pgqrs.getEvent(store, done.id, "stage")).toEqual({ name: "upload" });
    const events = await pgqrs.admin(store).runEvents(done.id);
    expect(events.map((e) => [e.runId, e.key, e.value])).toEqual([
      [done.id, "progress", 100],
      [done.id, "stage", { name: "upload" }],
    ]);
    for (const e of events) {
      expect(e.createdAt).toBeInstanceOf(Date);
      expect(e.updatedAt.getTime()).toBeGreaterThanOrEqual(e.createdAt.getTime());
    }
  });

  it("getEvent waits up to timeoutMs of the store's clock, then returns null", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("silent");
    await store.createWorkflow(name);
    const { run } = await pgqrs.workflow(name).trigger(null).start(store);
    let settled: { value: unknown } | undefined;
    const waiting = pgqrs
      .getEvent(store, run.id, "never", { timeoutMs: 60_000, pollIntervalMs: 1_000 })
      .then((value) => {
        settled = { value };
      });
    // Once it has read and found nothing, it waits on the store clock's timers.
    await expect.poll(() => clock.pending().length, { timeout: 15_000 }).toBeGreaterThan(0);
    clock.advance(59_999);
    await untilTimerAt(clock, 1);
    expect(settled).toBeUndefined();
    clock.advance(1);
    await waiting;
    expect(settled).toEqual({ value: null });
  });

  it("getEvent returns the value once it is set, before its timeout", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("announcer");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      await run.setEvent("status", "started");
      await run.sleep("hold", DAY_MS);
      return "done";
    });
    await store.createWorkflow(name);
    const { run } = await pgqrs.workflow(name).trigger(null).start(store);
    const t0 = clock.now().getTime();
    let settled: { value: unknown } | undefined;
    const waiting = pgqrs
      .getEvent<string>(store, run.id, "status", { timeoutMs: DAY_MS, pollIntervalMs: 1_000 })
      .then((value) => {
        settled = { value };
      });
    await p.serve(def);
    await drive(clock, async () => settled !== undefined);
    await waiting;
    expect(settled).toEqual({ value: "started" });
    expect(clock.now().getTime()).toBeLessThan(t0 + DAY_MS);
    // Once set, it is returned without waiting (no virtual time passes here).
    expect(await pgqrs.getEvent(store, run.id, "status", { timeoutMs: DAY_MS })).toBe("started");
  });

  it("getEvent: RUN_NOT_FOUND for an unknown run, VALIDATION_FAILED for a bad timeout", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("events_bad");
    await store.createWorkflow(name);
    const { run } = await pgqrs.workflow(name).trigger(null).start(store);
    expect(await errorCode(() => pgqrs.getEvent(store, run.id + 1_000, "k"))).toBe("RUN_NOT_FOUND");
    for (const timeoutMs of [-1, Number.NaN]) {
      expect(await errorCode(() => pgqrs.getEvent(store, run.id, "k", { timeoutMs }))).toBe("VALIDATION_FAILED");
    }
  });
});
