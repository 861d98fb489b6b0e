/**
 * Inspection of waits (issue 15): a PAUSED run says what it waits for (`RunRecord.waitingFor`: kind, until, topic,
 * childRunId, name), as the runs table, `admin(store).getRun` and the workflow's run list show it; a run that is not
 * PAUSED waits for nothing (`null`).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { DAY_MS, drive, openPrimitives, wfName } from "../support/primitives.js";
import { gate } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("what a paused run waits for, on %s", (backend) => {
  it("says sleep, message (with topic) or child (with its run id), until when, and under which name", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const child = pgqrs.defineWorkflow({ name: wfName("unserved_child") }, async () => "never served");
    await store.createWorkflow(child.name);
    const name = wfName("waiter");
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { kind: string }) => {
      switch (input.kind) {
        case "sleep":
          await run.sleep("nap", DAY_MS);
          return "slept";
        case "recv":
          return run.recv("approval", "orders", { timeoutMs: 3_600_000 });
        case "recv-forever":
          return run.recv("forever", "orders");
        default:
          return run.callChild("kid", child, null);
      }
    });
    await p.serve(def, { concurrency: 4 });
    const start = clock.now().getTime();
    const msgs: Record<string, pgqrs.QueueMessage> = {};
    for (const kind of ["sleep", "recv", "recv-forever", "child"]) {
      msgs[kind] = await pgqrs.workflow(name).trigger({ kind }).execute(store);
    }
    const runs: Record<string, pgqrs.RunRecord> = {};
    for (const [kind, msg] of Object.entries(msgs)) runs[kind] = await p.runWhen(msg, p.byStatus("PAUSED"));
    const end = clock.now().getTime();
    const within = (until: Date | undefined, ms: number) => {
      expect(until).toBeInstanceOf(Date);
      expect(until!.getTime()).toBeGreaterThanOrEqual(start + ms);
      expect(until!.getTime()).toBeLessThanOrEqual(end + ms);
    };

    expect(runs.sleep?.waitingFor).toMatchObject({ kind: "sleep", name: "nap" });
    within(runs.sleep?.waitingFor?.until, DAY_MS);
    expect(runs.recv?.waitingFor).toMatchObject({ kind: "message", topic: "orders", name: "approval" });
    within(runs.recv?.waitingFor?.until, 3_600_000);
    expect(runs["recv-forever"]?.waitingFor).toMatchObject({ kind: "message", topic: "orders", name: "forever" });
    const [kid] = await pgqrs.admin(store).childRuns(runs.child!.id);
    expect(runs.child?.waitingFor).toMatchObject({ kind: "child", childRunId: kid?.id });

    // The same record through the admin API and the workflow's run list.
    const viaAdmin = await pgqrs.admin(store).getRun(runs.recv!.id);
    expect(viaAdmin.waitingFor).toEqual(runs.recv?.waitingFor);
    const listed = await pgqrs.workflow(name).runs(store, { status: "PAUSED" });
    expect(listed).toHaveLength(4);
    for (const r of listed) expect(r.waitingFor).not.toBeNull();

    // Woken and finished: waiting for nothing.
    await pgqrs.send(store, runs.recv!.id, "orders", "ok");
    const done = await p.runWhen(msgs.recv!, p.byStatus("SUCCESS"));
    expect(done.output).toBe("ok");
    expect(done.waitingFor).toBeNull();
  });

  it("suspends a workflow that swallowed its wait, instead of finishing it early", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("swallower");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      try {
        await run.sleep("nap", DAY_MS);
      } catch {
        // Swallowed: the run must wait all the same.
      }
      return "after the nap";
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    expect(paused.waitingFor?.kind).toBe("sleep");
    expect(paused.output).toBeNull();
    clock.set(paused.waitingFor!.until!);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toBe("after the nap");
  });

  it("a RUNNING run waits for nothing", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("busy");
    const hold = gate();
    let entered = false;
    const def = pgqrs.defineWorkflow({ name }, async (run) =>
      run.step("work", async () => {
        entered = true;
        await hold.wait;
        return 1;
      }),
    );
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    await drive(p.clock, async () => entered);
    const running = await p.runOf(msg);
    expect(running?.status).toBe("RUNNING");
    expect(running?.waitingFor).toBeNull();
    hold.open();
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.waitingFor).toBeNull();
  });

  it("a run paused by pauseError says it waits for a pause, until its resume time", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("paused");
    const def = pgqrs.defineWorkflow({ name }, async (run) =>
      run.step("approval", async () => {
        throw pgqrs.pauseError("Waiting for approval", 60_000);
      }),
    );
    await p.serve(def);
    const start = clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    expect(paused.waitingFor?.kind).toBe("pause");
    const until = paused.waitingFor?.until?.getTime() ?? Number.NaN;
    expect(until).toBeGreaterThanOrEqual(start + 60_000);
    expect(until).toBeLessThanOrEqual(clock.now().getTime() + 60_000);
  });

  it("a spurious wake-up replays a waiting run, which waits again until the deadline it recorded first", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("spurious");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { kind: string }) => {
      calls += 1;
      // A replay asks for a shorter wait: the deadline recorded at first sight holds.
      const ms = calls === 1 ? DAY_MS : 1;
      if (input.kind === "sleep") await run.sleep("nap", ms);
      else await run.recv("approval", "decision", { timeoutMs: ms });
      return "over";
    });
    await p.serve(def);
    for (const kind of ["sleep", "recv"]) {
      calls = 0;
      const msg = await pgqrs.workflow(name).trigger({ kind }).execute(store);
      const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
      const until = paused.waitingFor!.until!.getTime();
      // A message on a topic nobody waits for wakes the run: it is replayed and suspended again.
      await pgqrs.send(store, paused.id, "unrelated", 1);
      // Replayed (calls counted before the run is read: a PAUSED read after that is the new suspension).
      await drive(p.clock, async () => calls >= 2 && (await p.runOf(msg))?.status === "PAUSED");
      const again = await p.runOf(msg);
      expect(again?.waitingFor?.until?.getTime()).toBe(until);
      expect(again?.status).toBe("PAUSED");
    }
  });
});
