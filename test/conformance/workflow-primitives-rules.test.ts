/**
 * Rules of the workflow primitives (issue 15): names key the durable record, so a name reused for another kind of
 * operation is VALIDATION_FAILED; bad input (durations, dates, topics, payloads, values, definitions, run ids) gets
 * a typed error and writes nothing.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";
import { errorCode } from "../support/stores.js";

describe.each(EVERY_BACKEND)("rules of the workflow primitives on %s", (backend) => {
  it("refuses a name reused for another kind of operation with VALIDATION_FAILED", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = pgqrs.defineWorkflow({ name: wfName("kid") }, async () => 1);
    await store.createWorkflow(child.name);
    const name = wfName("reuse");
    let stepCalls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      await run.step("a", async () => 1);
      const codes: Record<string, string> = {
        sleepOnStep: await errorCode(() => run.sleep("a", 1_000)),
        recvOnStep: await errorCode(() => run.recv("a", "t", { timeoutMs: 1_000 })),
        sendOnStep: await errorCode(() => run.send("a", run.id, "t", 1)),
        childOnStep: await errorCode(() => run.startChild("a", child, null)),
      };
      await run.sleep("z", 0);
      codes.stepOnSleep = await errorCode(() =>
        run.step("z", async () => {
          stepCalls += 1;
          return 2;
        }),
      );
      codes.recvOnSleep = await errorCode(() => run.recv("z", "t", { timeoutMs: 1_000 }));
      return codes;
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({
      sleepOnStep: "VALIDATION_FAILED",
      recvOnStep: "VALIDATION_FAILED",
      sendOnStep: "VALIDATION_FAILED",
      childOnStep: "VALIDATION_FAILED",
      stepOnSleep: "VALIDATION_FAILED",
      recvOnSleep: "VALIDATION_FAILED",
    });
    expect(stepCalls).toBe(0);
    const steps = await store.tables().workflowSteps().listForRun(done.id);
    expect(steps.map((s) => [s.stepName, s.kind, s.status])).toEqual([
      ["a", "step", "SUCCESS"],
      ["z", "sleep", "SUCCESS"],
    ]);
    expect(steps[0]?.output).toBe(1);
    expect(await pgqrs.admin(store).runMessages(done.id)).toEqual([]);
    expect(await pgqrs.admin(store).childRuns(done.id)).toEqual([]);
  });

  it("refuses bad input to the run's primitives with a typed error, writing nothing", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = pgqrs.defineWorkflow({ name: wfName("kid") }, async () => 1);
    await store.createWorkflow(child.name);
    const name = wfName("bad_input");
    await store.createWorkflow(name);
    const { message } = await pgqrs.workflow(name).trigger(null).start(store);
    const run = await store.run(message);
    await run.start();
    const refused = (code: string, call: () => Promise<unknown>) => p.expectNothingWritten(code, call);
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await refused("VALIDATION_FAILED", () => run.sleep("nap", ms));
    }
    await refused("VALIDATION_FAILED", () => run.sleep("", 1_000));
    await refused("VALIDATION_FAILED", () => run.sleepUntil("nap", new Date(Number.NaN)));
    for (const timeoutMs of [-1, Number.NaN]) {
      await refused("VALIDATION_FAILED", () => run.recv("r", "t", { timeoutMs }));
    }
    await refused("VALIDATION_FAILED", () => run.recv("r", ""));
    await refused("VALIDATION_FAILED", () => run.send("s", run.id, "t", () => 1));
    await refused("VALIDATION_FAILED", () => run.send("s", run.id, "t", 10n));
    await refused("VALIDATION_FAILED", () => run.setEvent("k", () => 1));
    await refused("VALIDATION_FAILED", () => run.setEvent("", 1));
    await refused("VALIDATION_FAILED", () =>
      run.startChild("c", { name: child.name } as unknown as pgqrs.WorkflowDefinition, null),
    );
    await refused("VALIDATION_FAILED", () => run.startChild("c", child, () => 1));
    // Nothing was written, so the names are still free: each works now with good input.
    await run.setEvent("k", "fine");
    expect(await pgqrs.getEvent(store, run.id, "k")).toBe("fine");
    await run.send("s", run.id, "t", "to myself");
    expect(await run.recv("r", "t")).toBe("to myself");
  });

  it("run.send to an unknown run is RUN_NOT_FOUND and records nothing (the name stays free)", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("send_unknown");
    await store.createWorkflow(name);
    const { message } = await pgqrs.workflow(name).trigger(null).start(store);
    const run = await store.run(message);
    await run.start();
    await p.expectNothingWritten("RUN_NOT_FOUND", () => run.send("s", run.id + 1_000, "t", 1));
    expect(await run.step("s", async () => "a step")).toBe("a step");
  });

  it("run.startChild of an unknown workflow name is WORKFLOW_NOT_FOUND and records nothing", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("child_unknown");
    await store.createWorkflow(name);
    const { message } = await pgqrs.workflow(name).trigger(null).start(store);
    const run = await store.run(message);
    await run.start();
    await p.expectNothingWritten("WORKFLOW_NOT_FOUND", () => run.startChild("c", "no_such_workflow", null));
  });

  it("refuses bad run ids from outside: VALIDATION_FAILED for non-ids, RUN_NOT_FOUND for unknown runs", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    for (const id of [0, -3, 2.5, "7" as unknown as number]) {
      expect(await errorCode(() => pgqrs.send(store, id, "t", 1))).toBe("VALIDATION_FAILED");
      expect(await errorCode(() => pgqrs.getEvent(store, id, "k"))).toBe("VALIDATION_FAILED");
    }
    expect(await errorCode(() => pgqrs.send(store, 424_242, "t", 1))).toBe("RUN_NOT_FOUND");
    expect(await errorCode(() => pgqrs.getEvent(store, 424_242, "k"))).toBe("RUN_NOT_FOUND");
    expect(await p.primitiveRows()).toEqual({ messages: 0, events: 0 });
  });
});
