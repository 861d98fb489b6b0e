/**
 * Inspection and removal of the primitives' rows (issue 15): `admin(store).runMessages`, `runEvents`, `childRuns`
 * and `getRun` list what a run sent, received, published and started; purging and deleting a workflow's queue
 * removes its runs' messages and events, and leaves its children (other queues) parentless, not broken.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";
import { errorCode } from "../support/stores.js";

describe.each(EVERY_BACKEND)("admin views and removal of primitive rows on %s", (backend) => {
  it("lists a run's messages, events and children, and removes them with the workflow's queue", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const child = pgqrs.defineWorkflow({ name: wfName("leaf") }, async (_run, n: number) => n + 1);
    await store.createWorkflow(child.name);
    const name = wfName("root");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      const got = await run.recv<string>("in", "inbox");
      await run.setEvent("seen", got);
      await run.send("echo", run.id, "outbox", { echo: got });
      return run.callChild("kid", child, 1);
    });
    const root = await p.serve(def);
    await p.serve(child);
    const { message, run } = await pgqrs.workflow(name).trigger(null).start(store);
    await pgqrs.send(store, run.id, "inbox", "hello", { idempotencyKey: "greeting" });
    const done = await p.runWhen(message, p.byStatus("SUCCESS"));
    expect(done.output).toBe(2);

    const admin = pgqrs.admin(store);
    const messages = await admin.runMessages(run.id);
    expect(messages.map((m) => [m.topic, m.payload, m.idempotencyKey, m.senderRunId, m.consumedByStep])).toEqual([
      ["inbox", "hello", "greeting", null, "in"],
      ["outbox", { echo: "hello" }, expect.any(String), run.id, null],
    ]);
    expect(messages.every((m) => m.runId === run.id && m.createdAt instanceof Date)).toBe(true);
    expect((await admin.runEvents(run.id)).map((e) => [e.key, e.value])).toEqual([["seen", "hello"]]);
    const [kid] = await admin.childRuns(run.id);
    expect(kid).toMatchObject({ parentRunId: run.id, status: "SUCCESS", output: 2 });
    expect((await admin.getRun(run.id)).status).toBe("SUCCESS");
    expect(await errorCode(() => admin.getRun(run.id + 1_000))).toBe("RUN_NOT_FOUND");
    expect(await p.primitiveRows()).toEqual({ messages: 2, events: 1 });

    await root.stop();
    await admin.purgeQueue(name);
    await admin.deleteQueue(name);
    expect(await store.tables().workflowRuns().get(run.id)).toBeNull();
    expect(await p.primitiveRows()).toEqual({ messages: 0, events: 0 });
    const orphan = await store.tables().workflowRuns().get(kid!.id);
    expect(orphan).toMatchObject({ status: "SUCCESS", parentRunId: null });
  });
});
