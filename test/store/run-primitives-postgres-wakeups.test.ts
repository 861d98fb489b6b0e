/**
 * The workflow primitives on PostgreSQL where another connection matters (issue 15): a parent woken by a child's event
 * or by its dead-lettered child, and a trigger and a wake-up notifying the queue's listeners, this store's own
 * included. The store and the shared setups are in run-primitives-postgres-support.ts; the contract both backends share
 * is in run-primitives-contract-*.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { uniqueName } from "../support/backends.js";
import { HOUR, usePrimitivesSchema } from "./run-primitives-postgres-support.js";

const fx = usePrimitivesSchema();
const { vtOf } = fx;
let b: StoreBackend;
beforeAll(() => {
  ({ b } = fx);
});

describe("workflow primitives on PostgreSQL", () => {
  const { t, running } = fx;

  it("a child's event wakes its parent when the parent waits for an event", async () => {
    const parent = await running();
    const child = await running(parent.run.id);
    await b.suspendRun({
      runId: parent.run.id,
      messageId: parent.run.messageId,
      workerId: parent.worker.id,
      now: t(10),
      waitingFor: JSON.stringify({ kind: "event" }),
      until: t(HOUR),
      wakeIf: [{ kind: "event", runId: child.run.id, key: "ready" }],
    });
    await b.setRunEvent({ runId: child.run.id, key: "ready", value: "true", now: t(40) });
    expect(await vtOf(parent.run.messageId)).toEqual(t(40));
  });

  it("a trigger and a wake-up notify the queue's listeners, this store's own included", async () => {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    let heard = 0;
    let hear: () => void = () => undefined;
    const unlisten = await b.listen!({ queueId: wf.queueId, onNotify: () => hear() });
    const next = () =>
      new Promise<void>((resolve) => {
        hear = () => {
          heard += 1;
          resolve();
        };
      });
    try {
      const triggered = next();
      const { run } = await b.triggerRun({
        workflowName: wf.name,
        payload: "{}",
        idempotencyKey: "n-1",
        parentRunId: null,
        now: t(),
      });
      await triggered;
      const woken = next();
      await b.sendRunMessage({
        runId: run.id,
        topic: "t",
        payload: "1",
        idempotencyKey: null,
        senderRunId: null,
        now: t(),
      });
      await woken;
      expect(heard).toBe(2);
    } finally {
      await unlisten();
    }
  });

  it("a dead-lettered child fails and wakes its suspended parent", async () => {
    const parent = await running();
    const child = await running(parent.run.id);
    await b.suspendRun({
      runId: parent.run.id,
      messageId: parent.run.messageId,
      workerId: parent.worker.id,
      now: t(10),
      waitingFor: JSON.stringify({ kind: "child", childRunId: child.run.id }),
      until: t(HOUR),
      wakeIf: [{ kind: "child", childRunId: child.run.id }],
    });
    const queueId = (await b.getMessage(child.run.messageId))!.queueId;
    const dead = await b.deadLetter({ queueId, maxReadCt: 1, now: t(HOUR / 2) });
    expect(dead).toEqual({ ids: [child.run.messageId], failedRuns: [child.run.id] });
    expect(await b.getRun(child.run.id)).toMatchObject({ status: "ERROR", waitingFor: null });
    expect(await vtOf(parent.run.messageId)).toEqual(t(HOUR / 2));
  });
});
