/**
 * Child workflows (issue 15): `run.startChild` creates the child run at once (with its parent), `child.result()`
 * pauses the parent until the child ends, `run.callChild` is both, a failed child is CHILD_FAILED, cancelling a
 * parent cancels its unfinished children, and a `Promise.all` fan-out creates each child once across replays.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { drive, openPrimitives, type PrimitivesStore, wfName } from "../support/primitives.js";

/** A child workflow that multiplies by ten, and fails for negative input; counts its calls. */
async function childWorkflow(p: PrimitivesStore) {
  const calls = { n: 0 };
  const def = pgqrs.defineWorkflow({ name: wfName("child") }, async (_run, input: { n: number }) => {
    calls.n += 1;
    if (input.n < 0) throw new Error(`child failed with ${input.n}`);
    return input.n * 10;
  });
  await p.store.createWorkflow(def.name);
  return { def, calls };
}

describe.each(EVERY_BACKEND)("child workflows on %s", (backend) => {
  it("startChild creates the child run at once; result() pauses the parent until the child ends", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = await childWorkflow(p);
    const seen: { runId: number; messageId: number; record: pgqrs.RunRecord | null }[] = [];
    const parent = pgqrs.defineWorkflow({ name: wfName("parent") }, async (run, input: { n: number }) => {
      const handle = await run.startChild("kid", child.def, { n: input.n });
      seen.push({
        runId: handle.runId,
        messageId: handle.messageId,
        record: await store.tables().workflowRuns().get(handle.runId),
      });
      return { got: await handle.result() };
    });
    await p.serve(parent);
    const msg = await pgqrs.workflow(parent.name).trigger({ n: 4 }).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    const kid = seen[0]!;
    // The child's run exists as soon as startChild returns, before any worker of the child's workflow saw it.
    expect(kid.record).toMatchObject({ id: kid.runId, messageId: kid.messageId, parentRunId: paused.id });
    expect(kid.record?.status).toBe("QUEUED");
    expect(paused.waitingFor).toMatchObject({ kind: "child", childRunId: kid.runId });
    expect((await store.tables().messages().get(msg.id))?.consumerWorkerId).toBeNull();
    const children = await pgqrs.admin(store).childRuns(paused.id);
    expect(children.map((c) => [c.id, c.parentRunId])).toEqual([[kid.runId, paused.id]]);

    // The child's end wakes the parent within PROMPT_MS of virtual time (its backstop is an hour).
    await p.serve(child.def);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({ got: 40 });
    expect(done.waitingFor).toBeNull();
    expect(seen.every((s) => s.runId === kid.runId && s.messageId === kid.messageId)).toBe(true);
    expect(child.calls.n).toBe(1);
    expect((await store.tables().workflowRuns().get(kid.runId))?.status).toBe("SUCCESS");
  });

  it("callChild returns the child's output; a failed child is CHILD_FAILED with the child's error", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = await childWorkflow(p);
    const parent = pgqrs.defineWorkflow({ name: wfName("caller") }, async (run, input: { n: number }) => {
      try {
        return { ok: await run.callChild("kid", child.def, { n: input.n }) };
      } catch (err) {
        const e = err as pgqrs.PgqrsError;
        return { code: e.code, details: e.details };
      }
    });
    await p.serve(parent);
    await p.serve(child.def);
    const ok = await pgqrs.workflow(parent.name).trigger({ n: 2 }).execute(store);
    const bad = await pgqrs.workflow(parent.name).trigger({ n: -1 }).execute(store);
    expect((await p.runWhen(ok, p.byStatus("SUCCESS"))).output).toEqual({ ok: 20 });
    const failed = await p.runWhen(bad, p.byStatus("SUCCESS"));
    const [kid] = await pgqrs.admin(store).childRuns(failed.id);
    expect(kid?.status).toBe("ERROR");
    expect(failed.output).toMatchObject({
      code: "CHILD_FAILED",
      details: {
        childRunId: kid?.id,
        status: "ERROR",
        error: expect.objectContaining({ message: expect.stringContaining("child failed with -1") }),
      },
    });
  });

  it("an uncaught CHILD_FAILED fails the parent", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = await childWorkflow(p);
    const parent = pgqrs.defineWorkflow({ name: wfName("strict") }, async (run) =>
      run.callChild("kid", child.def, { n: -7 }),
    );
    await p.serve(parent);
    await p.serve(child.def);
    const msg = await pgqrs.workflow(parent.name).trigger(null).execute(store);
    const failed = await p.runWhen(msg, p.byStatus("ERROR"));
    expect(JSON.stringify(failed.error)).toContain("CHILD_FAILED");
  });

  it("cancelling a parent cancels its unfinished children, and leaves finished ones alone", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const child = await childWorkflow(p);
    let slowCalls = 0;
    const slow = pgqrs.defineWorkflow({ name: wfName("slow") }, async () => {
      slowCalls += 1;
      return "slow";
    });
    await store.createWorkflow(slow.name);
    const parent = pgqrs.defineWorkflow({ name: wfName("cancelled_parent") }, async (run) => {
      const quick = await run.startChild("quick", child.def, { n: 1 });
      const later = await run.startChild("slow", slow, null);
      await quick.result();
      await later.result();
      return "done";
    });
    await p.serve(parent);
    await p.serve(child.def);
    const msg = await pgqrs.workflow(parent.name).trigger(null).execute(store);
    let kids: pgqrs.RunRecord[] = [];
    // Paused on the slow child (nobody serves it) once the quick one is done.
    await drive(clock, async () => {
      const run = await p.runOf(msg);
      if (run === null) return false;
      kids = await pgqrs.admin(store).childRuns(run.id);
      return run.status === "PAUSED" && kids.length === 2 && run.waitingFor?.childRunId === kids[1]?.id;
    });
    const [quickKid, slowKid] = kids;
    expect(quickKid?.status).toBe("SUCCESS");
    const rec = await pgqrs.workflow(parent.name).cancel(msg.id, store);
    expect(rec.status).toBe("CANCELLING");
    expect((await store.tables().workflowRuns().get(slowKid!.id))?.status).toBe("CANCELLING");
    expect((await store.tables().workflowRuns().get(quickKid!.id))?.status).toBe("SUCCESS");
    // The parent is woken and its cancellation finalised.
    await p.runWhen(msg, p.byStatus("CANCELLED"));
    await p.serve(slow);
    await drive(clock, async () => (await store.tables().workflowRuns().get(slowKid!.id))?.status === "CANCELLED");
    expect(slowCalls).toBe(0);
  });

  it("fans out over three children with Promise.all, creating each child once across replays", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = await childWorkflow(p);
    let parentCalls = 0;
    let crashed = false;
    const parent = pgqrs.defineWorkflow({ name: wfName("fan_out") }, async (run) => {
      parentCalls += 1;
      const handles = await Promise.all([1, 2, 3].map((n) => run.startChild(`start-${n}`, child.def, { n })));
      const started = await Promise.all(handles.map((h) => h.result()));
      // A crash once the first fan-in is done: the replay must find the children, not start new ones.
      if (!crashed) {
        crashed = true;
        throw new pgqrs.TransientStepError("CRASH", "crash after the fan-in", { retryAfterMs: 0 });
      }
      const called = await Promise.all([4, 5, 6].map((n) => run.callChild(`call-${n}`, child.def, { n })));
      return [...started, ...called];
    });
    await p.serve(parent);
    const msg = await pgqrs.workflow(parent.name).trigger(null).execute(store);
    // Nobody serves the children yet: the parent waits for them, paused, with its three children created.
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    expect(paused.waitingFor?.kind).toBe("child");
    const early = await pgqrs.admin(store).childRuns(paused.id);
    expect(early.map((k) => k.status)).toEqual(["QUEUED", "QUEUED", "QUEUED"]);
    expect(early.map((k) => k.id)).toContain(paused.waitingFor?.childRunId);
    await p.serve(child.def, { concurrency: 3 });
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toEqual([10, 20, 30, 40, 50, 60]);
    // Paused on the first fan-in, woken, crashed, replayed: at least three calls, yet each child created once.
    expect(parentCalls).toBeGreaterThanOrEqual(3);
    const kids = await pgqrs.admin(store).childRuns(done.id);
    expect(kids).toHaveLength(6);
    expect(new Set(kids.map((k) => k.id)).size).toBe(6);
    expect(kids.every((k) => k.status === "SUCCESS" && k.parentRunId === done.id)).toBe(true);
    expect(child.calls.n).toBe(6);
    const queue = await store.tables().queues().getByName(child.def.name);
    expect(await store.tables().messages().count({ queueId: queue!.id, state: "all" })).toBe(6);
  });
});
