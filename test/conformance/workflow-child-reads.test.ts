/**
 * What a child call reads (issue 21's callChild row): a parent that starts a child does not read it before pausing
 * (a child it just created has not ended, and the suspension's own check covers one that did meanwhile), and a
 * child's end signals its parent's queue without reading the parent when this store handled the parent.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";

describe.each(EVERY_BACKEND)("child call reads on %s", (backend) => {
  it("callChild reads the child once (on the parent's replay) and never the parent", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = pgqrs.defineWorkflow({ name: wfName("kid") }, async (_run, n: number) => n * 10);
    const parent = pgqrs.defineWorkflow({ name: wfName("parent") }, async (run, n: number) => ({
      got: await run.callChild("kid", child, n),
    }));
    await store.createWorkflow(child.name);
    await p.serve(parent);
    await p.serve(child);
    const backendOps = store.context.backend;
    const getRun = backendOps.getRun.bind(backendOps);
    const read: number[] = [];
    backendOps.getRun = (id) => {
      read.push(id);
      return getRun(id);
    };
    const msg = await pgqrs.workflow(parent.name).trigger(4).execute(store);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    const engineReads = [...read];
    expect(done.output).toEqual({ got: 40 });
    const kids = await pgqrs.admin(store).childRuns(done.id);
    expect(kids.map((k) => k.status)).toEqual(["SUCCESS"]);
    // The harness's own reads go through the tables API, not getRun: every read counted is the engine's.
    expect(engineReads).toEqual([kids[0]?.id]);
  });

  it("a child that ends before its parent pauses wakes the parent at once", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = pgqrs.defineWorkflow({ name: wfName("quick") }, async (_run, n: number) => n + 1);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let kidId = 0;
    const parent = pgqrs.defineWorkflow({ name: wfName("slow") }, async (run, n: number) => {
      const handle = await run.startChild("kid", child, n);
      kidId = handle.runId;
      await gate;
      return handle.result();
    });
    await store.createWorkflow(child.name);
    await p.serve(parent);
    await p.serve(child);
    const msg = await pgqrs.workflow(parent.name).trigger(1).execute(store);
    await p.runWhen(msg, () => kidId !== 0);
    const kidMsg = (await store.tables().workflowRuns().get(kidId))?.messageId ?? 0;
    await p.runWhen({ id: kidMsg }, p.byStatus("SUCCESS"));
    release();
    // Within PROMPT_MS of virtual time, far below the one-hour backstop of a parent waiting for its child.
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toBe(2);
  });
});
