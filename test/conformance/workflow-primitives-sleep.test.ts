/**
 * `run.sleep` / `run.sleepUntil` (issue 15): a durable timer. The run is PAUSED with its wake-up time, holds no
 * lease and no worker slot while asleep, wakes at that time of the store's clock (a day, in virtual time), and never
 * sleeps again once woken.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { DAY_MS, drive, napWorkflow, openPrimitives, PROMPT_MS, wfName } from "../support/primitives.js";
import { errorCode } from "../support/stores.js";

describe.each(EVERY_BACKEND)("run.sleep on %s", (backend) => {
  it("pauses the run until its wake-up time, holding no lease, and wakes it a day later, once", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("nap");
    const calls = { fn: 0, before: 0, after: 0 };
    const def = napWorkflow(name, calls);
    await p.serve(def);
    const t0 = clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    const t1 = clock.now().getTime();
    expect(paused.waitingFor).toMatchObject({ kind: "sleep", name: "nap" });
    expect(paused.waitingFor?.until).toBeInstanceOf(Date);
    const until = paused.waitingFor?.until?.getTime() ?? Number.NaN;
    expect(until).toBeGreaterThanOrEqual(t0 + DAY_MS);
    expect(until).toBeLessThanOrEqual(t1 + DAY_MS);
    // No lease: the trigger message is released, visible again at the wake-up time.
    const asleep = await store.tables().messages().get(msg.id);
    expect(asleep?.consumerWorkerId).toBeNull();
    expect(asleep?.archivedAt).toBeNull();
    expect(asleep?.vt.getTime()).toBe(until);
    const napStep = await store.tables().workflowSteps().get(paused.id, "nap");
    expect(napStep?.kind).toBe("sleep");
    expect(napStep?.status).not.toBe("SUCCESS");
    expect(calls).toEqual({ fn: 1, before: 1, after: 0 });

    // One millisecond before the wake-up time nobody can take the message.
    clock.set(until - 1);
    const rival = await store.consumer(name);
    expect(await rival.dequeue()).toEqual([]);
    expect((await p.runOf(msg))?.status).toBe("PAUSED");

    clock.advance(1);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toBe("woke");
    expect(done.waitingFor).toBeNull();
    expect(done.completedAt!.getTime()).toBeGreaterThanOrEqual(until);
    expect(done.completedAt!.getTime()).toBeLessThanOrEqual(until + PROMPT_MS);
    // Woken once, replayed once: the step before the sleep did not run again, the one after ran once.
    expect(calls).toEqual({ fn: 2, before: 1, after: 1 });
    expect((await store.tables().workflowSteps().get(done.id, "nap"))?.status).toBe("SUCCESS");
  });

  it("holds no worker slot: with concurrency 1 a second run is served while the first sleeps", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("slot");
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { kind: string }) => {
      if (input.kind === "sleeper") await run.sleep("nap", DAY_MS);
      return input.kind;
    });
    await p.serve(def, { concurrency: 1 });
    const sleeper = await pgqrs.workflow(name).trigger({ kind: "sleeper" }).execute(store);
    const paused = await p.runWhen(sleeper, p.byStatus("PAUSED"));
    const quick = await pgqrs.workflow(name).trigger({ kind: "quick" }).execute(store);
    const done = await p.runWhen(quick, p.byStatus("SUCCESS"));
    expect(done.output).toBe("quick");
    expect(clock.now().getTime()).toBeLessThan(paused.waitingFor!.until!.getTime());
    const still = await p.runOf(sleeper);
    expect(still?.status).toBe("PAUSED");
    expect((await store.tables().messages().get(sleeper.id))?.consumerWorkerId).toBeNull();
  });

  it("does not sleep again when the run is replayed after it woke", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("replayed_nap");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      calls += 1;
      await run.sleep("nap", DAY_MS);
      // The first attempt after the wake-up fails outside any step: the run is delivered and replayed again.
      if (calls === 2) throw new pgqrs.TransientStepError("AGAIN", "replay me", { retryAfterMs: 0 });
      return calls;
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    clock.set(paused.waitingFor!.until!);
    const wokeAt = clock.now().getTime();
    // A second day-long sleep would not end within PROMPT_MS.
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toBe(3);
    expect(clock.now().getTime() - wokeAt).toBeLessThanOrEqual(PROMPT_MS);
    const nap = await store.tables().workflowSteps().get(done.id, "nap");
    expect(nap).toMatchObject({ kind: "sleep", status: "SUCCESS" });
  });

  it("sleepUntil: pauses until the given date, and returns at once for a date in the past", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("until");
    const calls: Record<string, number> = {};
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { label: string; at: string }) => {
      calls[input.label] = (calls[input.label] ?? 0) + 1;
      await run.sleepUntil("wake", new Date(input.at));
      return input.label;
    });
    await p.serve(def);
    const future = new Date(clock.now().getTime() + 2 * DAY_MS + 1234);
    const past = new Date(clock.now().getTime() - 3_600_000);
    const pastMsg = await pgqrs.workflow(name).trigger({ label: "past", at: past.toISOString() }).execute(store);
    const pastDone = await p.runWhen(pastMsg, p.byStatus("SUCCESS"));
    expect(pastDone.output).toBe("past");
    // Never suspended: the workflow ran once.
    expect(calls.past).toBe(1);
    expect(await store.tables().workflowSteps().get(pastDone.id, "wake")).toMatchObject({
      kind: "sleep",
      status: "SUCCESS",
    });

    const futureMsg = await pgqrs.workflow(name).trigger({ label: "future", at: future.toISOString() }).execute(store);
    const paused = await p.runWhen(futureMsg, p.byStatus("PAUSED"));
    expect(paused.waitingFor).toMatchObject({ kind: "sleep", until: future });
    expect((await store.tables().messages().get(futureMsg.id))?.vt.getTime()).toBe(future.getTime());
    clock.set(future.getTime() - 1);
    expect(await (await store.consumer(name)).dequeue()).toEqual([]);
    clock.advance(1);
    const done = await p.runWhen(futureMsg, p.byStatus("SUCCESS"));
    expect(done.output).toBe("future");
    expect(calls.future).toBe(2);
  });

  it("refuses negative and non-finite durations and invalid dates with VALIDATION_FAILED, recording nothing", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("bad_sleep");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      const codes: Record<string, string> = {};
      const durations: [string, number][] = [
        ["negative", -1],
        ["nan", Number.NaN],
        ["infinity", Number.POSITIVE_INFINITY],
        ["minusInfinity", Number.NEGATIVE_INFINITY],
        ["string", "5" as unknown as number],
      ];
      for (const [label, ms] of durations) codes[label] = await errorCode(() => run.sleep(`bad-${label}`, ms));
      codes.invalidDate = await errorCode(() => run.sleepUntil("bad-date", new Date(Number.NaN)));
      codes.notADate = await errorCode(() => run.sleepUntil("bad-type", "tomorrow" as unknown as Date));
      return codes;
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({
      negative: "VALIDATION_FAILED",
      nan: "VALIDATION_FAILED",
      infinity: "VALIDATION_FAILED",
      minusInfinity: "VALIDATION_FAILED",
      string: "VALIDATION_FAILED",
      invalidDate: "VALIDATION_FAILED",
      notADate: "VALIDATION_FAILED",
    });
    expect(await store.tables().workflowSteps().listForRun(done.id)).toEqual([]);
  });

  it("a sleep beside steps in Promise.all: the steps run once and are stored before the run waits", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("nap_beside");
    const calls = { a: 0, b: 0 };
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      const [, x, y] = await Promise.all([
        run.sleep("nap", 60_000),
        run.step("a", async () => {
          calls.a += 1;
          return 1;
        }),
        run.step("b", async () => {
          calls.b += 1;
          return 2;
        }),
      ]);
      return x + y;
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    const steps = await store.tables().workflowSteps().listForRun(paused.id);
    expect(steps.filter((s) => s.kind === "step").map((s) => [s.stepName, s.status, s.output])).toEqual([
      ["a", "SUCCESS", 1],
      ["b", "SUCCESS", 2],
    ]);
    clock.set(paused.waitingFor!.until!);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toBe(3);
    expect(calls).toEqual({ a: 1, b: 1 });
  });

  it("two sleeps at once: the run comes back at the earlier wake-up time, then waits again for the later", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("two_naps");
    const HOUR = 3_600_000;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      await Promise.all([run.sleep("short", HOUR), run.sleep("long", DAY_MS)]);
      return "rested";
    });
    await p.serve(def);
    const t0 = clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    const t1 = clock.now().getTime();
    const firstVt = (await store.tables().messages().get(msg.id))!.vt.getTime();
    expect(firstVt).toBeGreaterThanOrEqual(t0 + HOUR);
    expect(firstVt).toBeLessThanOrEqual(t1 + HOUR);
    expect(paused.waitingFor?.kind).toBe("sleep");
    clock.set(firstVt);
    // Replayed at the earlier time: the short sleep is over, the long one is not.
    await drive(clock, async () => {
      const [run, message] = await Promise.all([p.runOf(msg), store.tables().messages().get(msg.id)]);
      return run?.status === "PAUSED" && message?.consumerWorkerId === null && (message?.vt.getTime() ?? 0) > firstVt;
    });
    const again = await p.runOf(msg);
    expect(again?.waitingFor).toMatchObject({ kind: "sleep", name: "long" });
    const until = again?.waitingFor?.until?.getTime() ?? Number.NaN;
    expect(until).toBeGreaterThanOrEqual(t0 + DAY_MS);
    expect(until).toBeLessThanOrEqual(t1 + DAY_MS);
    expect((await store.tables().messages().get(msg.id))?.vt.getTime()).toBe(until);
    expect((await store.tables().workflowSteps().get(paused.id, "short"))?.status).toBe("SUCCESS");
    clock.set(until);
    expect((await p.runWhen(msg, p.byStatus("SUCCESS"))).output).toBe("rested");
  });
});
