/**
 * Postgres combined workflow writes, each one round trip: dequeueAndStartRuns, completeStepThenAcquire and
 * completeStepThenRunAndArchive, fenced by the step's holder. Runs against a real server.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { usePostgresSpecificBackends } from "./postgres-specific-support.js";

const { backend, freshSchema } = usePostgresSpecificBackends();

describe("combined workflow writes", () => {
  let store: StoreBackend;
  const now = new Date("2030-01-01T00:00:00.000Z");
  let n = 0;

  beforeAll(async () => {
    store = await backend(freshSchema());
    await store.install();
  });

  async function claimedRun() {
    n += 1;
    const wf = await store.createWorkflow({ name: `combined_${n}`, now });
    const worker = await store.registerWorker({ name: `w_${n}`, queueId: wf.queueId, now });
    const base = { queueId: wf.queueId, producerWorkerId: null, enqueuedAt: now, visibleAt: now };
    await store.enqueue({ ...base, payloads: ['{"input":1}', '{"input":2}'] });
    const claim = { queueId: wf.queueId, workerId: worker.id, limit: 5, leaseMs: 30_000, now, maxReadCt: 5 };
    return { wf, worker, claim };
  }

  it("claims messages and starts their runs in one statement, each run as startRun would return it", async () => {
    const { worker, claim } = await claimedRun();
    const claimed = await store.dequeueAndStartRuns!(claim);
    expect(claimed.map((c) => c.message.payload)).toEqual([{ input: 1 }, { input: 2 }]);
    for (const { message, run } of claimed) {
      expect(message.consumerWorkerId).toBe(worker.id);
      expect(message.readCt).toBe(1);
      expect(run).toMatchObject({ messageId: message.id, status: "RUNNING", input: message.payload });
      expect(await store.getRunByMessageId(message.id)).toEqual(run);
    }
    // A redelivery finds the run as it is: a cancelling run is not restarted.
    const first = claimed[0]!;
    await store.transitionRun({ id: first.run!.id, from: ["RUNNING"], to: "CANCELLING", now });
    await store.release({ ids: [first.message.id], workerId: worker.id, now, visibleAt: now });
    const again = await store.dequeueAndStartRuns!(claim);
    expect(again.map((c) => [c.message.id, c.run?.status])).toEqual([[first.message.id, "CANCELLING"]]);
  });

  it("writes a step's output with the next acquisition, and refuses both for an attempt that lost the step", async () => {
    const { claim } = await claimedRun();
    const run = (await store.dequeueAndStartRuns!(claim))[0]!.run!;
    await store.acquireStep({ runId: run.id, stepName: "a", now, owner: "d1" });
    const next = await store.completeStepThenAcquire!({
      complete: { runId: run.id, stepName: "a", now, output: '{"a":1}', owner: "d1" },
      acquire: { runId: run.id, stepName: "b", now, owner: "d1" },
    });
    expect(next).toMatchObject({ completed: true, acquired: true, runStatus: "RUNNING" });
    expect(next.step).toMatchObject({ stepName: "b", status: "RUNNING" });
    expect(await store.getStep({ runId: run.id, stepName: "a" })).toMatchObject({
      status: "SUCCESS",
      output: { a: 1 },
    });
    // Another delivery took "b" over: the old attempt's write of "b" and its acquisition of "c" both do nothing.
    await store.acquireStep({ runId: run.id, stepName: "b", now, owner: "d2" });
    const late = await store.completeStepThenAcquire!({
      complete: { runId: run.id, stepName: "b", now, output: '"late"', owner: "d1" },
      acquire: { runId: run.id, stepName: "c", now, owner: "d1" },
    });
    expect(late.completed).toBe(false);
    expect(await store.getStep({ runId: run.id, stepName: "b" })).toMatchObject({ status: "RUNNING", output: null });
    expect(await store.getStep({ runId: run.id, stepName: "c" })).toBeNull();
  });

  it("finishes the run with its last step's output and archives the message, only for the step's holder", async () => {
    const { worker, claim } = await claimedRun();
    const [one, two] = await store.dequeueAndStartRuns!(claim);
    for (const c of [one!, two!]) await store.acquireStep({ runId: c.run!.id, stepName: "last", now, owner: "d1" });
    const finish = (c: typeof one, owner: string) =>
      store.completeStepThenRunAndArchive!({
        complete: { runId: c!.run!.id, stepName: "last", now, output: "7", owner },
        run: {
          id: c!.run!.id,
          from: ["RUNNING"],
          to: "SUCCESS",
          now,
          output: "7",
          messageId: c!.message.id,
          workerId: worker.id,
        },
      });
    const done = await finish(one, "d1");
    expect(done).toMatchObject({ completed: true, archived: true });
    expect(done.run).toMatchObject({ status: "SUCCESS", output: 7 });
    expect(await store.getStep({ runId: one!.run!.id, stepName: "last" })).toMatchObject({ status: "SUCCESS" });
    const fenced = await finish(two, "someone-else");
    expect(fenced).toEqual({ completed: false, run: null, archived: false });
    expect((await store.getRun(two!.run!.id))?.status).toBe("RUNNING");
    expect((await store.getMessage(two!.message.id))?.archivedAt).toBeNull();
  });
});
