/**
 * StoreBackend contract, stats: queueMetrics, systemStats and workerHealthStats. Runs once per backend of
 * PGQRS_TEST_BACKENDS, on a fresh database per file.
 */
import { describe, expect, it } from "vitest";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";
import { contractHelpers } from "./backend-contract-support.js";

describeEachBackend("StoreBackend contract: $name", ({ b, backend }) => {
  const { queue, worker, put, take } = contractHelpers(backend);

  describe("stats", () => {
    it("queueMetrics partitions unarchived messages into pending, delayed and leased", async () => {
      const t = clock();
      const q = await queue(t());
      const empty = await queue(t());
      const w = await worker(q, t());
      const max = 2;
      const [dead, poison] = await put(q, ["dead", "poison"], t(5));
      const [expired, released, leased, archived] = await put(q, ["e", "r", "l", "a"], t(10));
      await put(q, ["delayed"], t(20), t(1_000_000));
      const all6 = await b.dequeue({
        queueId: q.id,
        workerId: w.id,
        limit: 10,
        leaseMs: 100,
        now: t(100),
        maxReadCt: max,
      });
      expect(all6).toHaveLength(6);
      await b.archive({ ids: [archived!.id], workerId: w.id, now: t(110) });
      await b.release({ ids: [released!.id], workerId: w.id, now: t(110), visibleAt: t(110) });
      await b.extendVisibility({ ids: [leased!.id], workerId: w.id, now: t(110), extendMs: 1_000_000 });
      await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1, now: t(300), maxReadCt: max });
      expect(await b.deadLetter({ queueId: q.id, maxReadCt: max, now: t(350) })).toEqual({
        ids: [dead!.id],
        failedRuns: [],
      });
      await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1, now: t(360), maxReadCt: max });
      expect((await b.getMessage(poison!.id))?.readCt).toBe(2);
      const now = t(500);
      const [m] = await b.queueMetrics({ queueId: q.id, now, maxReadCt: max });
      expect(m).toEqual({
        name: q.queueName,
        queueId: q.id,
        totalMessages: 7, // the active ones and the two archived
        activeMessages: 5, // expired, released, leased, poison (awaiting dead letter), delayed
        pendingMessages: 2, // expired (its lease ended) and released
        delayedMessages: 1,
        leasedMessages: 1,
        lockedMessages: 1,
        archivedMessages: 2,
        deadLetteredMessages: 1,
        oldestPendingMessage: expired!.enqueuedAt,
        oldestPendingAgeMs: 490,
        newestMessage: t(20),
      });
      const all = await b.queueMetrics({ now, maxReadCt: max });
      const names = all.map((r) => r.name);
      expect(names).toEqual([...names].sort());
      expect(all.find((r) => r.queueId === empty.id)).toMatchObject({
        totalMessages: 0,
        activeMessages: 0,
        pendingMessages: 0,
        archivedMessages: 0,
        oldestPendingMessage: null,
        oldestPendingAgeMs: 0,
        newestMessage: null,
      });
    });

    it("systemStats counts queues, workers, messages, workflows and runs", async () => {
      const t = clock();
      const now = t(100);
      const before = await b.systemStats({ now, maxReadCt: 5 });
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const w = await worker(q, t());
      const w2 = await worker(q, t());
      await b.transitionWorker({ id: w2.id, from: ["ready"], to: "suspended", now: t() });
      const [m] = await put(q, [{ input: 1 }, { input: 2 }, { input: 3 }], t());
      await take(q, w, t(), 1);
      await b.archive({ ids: [m!.id], workerId: w.id, now: t() });
      await take(q, w, t(), 1);
      await b.getOrCreateRun({ message: m!, now: t() });
      const after = await b.systemStats({ now, maxReadCt: 5 });
      expect(after.totalQueues - before.totalQueues).toBe(1);
      expect(after.totalWorkers - before.totalWorkers).toBe(2);
      expect(after.activeWorkers - before.activeWorkers).toBe(1);
      expect(after.totalMessages - before.totalMessages).toBe(2);
      expect(after.pendingMessages - before.pendingMessages).toBe(1);
      expect(after.leasedMessages - before.leasedMessages).toBe(1);
      expect(after.lockedMessages).toBe(after.leasedMessages);
      expect(after.archivedMessages - before.archivedMessages).toBe(1);
      expect(after.totalWorkflows - before.totalWorkflows).toBe(1);
      expect(after.totalRuns - before.totalRuns).toBe(1);
      expect(after.schemaVersion).not.toBe("");
    });

    it("workerHealthStats: one Global row, or one row per queue with admin workers under Admin", async () => {
      const t = clock();
      const q = await queue(t());
      const stale = t(1_000);
      const global0 = await b.workerHealthStats({ staleBefore: stale, groupByQueue: false });
      const grouped0 = await b.workerHealthStats({ staleBefore: stale, groupByQueue: true });
      const admin0 = grouped0.find((r) => r.queueName === "Admin")?.totalWorkers ?? 0;
      const ready = await worker(q, t());
      const polling = await worker(q, t());
      await b.transitionWorker({ id: polling.id, from: ["ready"], to: "polling", now: t() });
      await b.heartbeat({ id: polling.id, now: t(2_000) });
      const suspended = await worker(q, t());
      await b.transitionWorker({ id: suspended.id, from: ["ready"], to: "suspended", now: t() });
      await worker(null, t());
      expect(ready.status).toBe("ready");
      const global = await b.workerHealthStats({ staleBefore: stale, groupByQueue: false });
      expect(global).toHaveLength(1);
      expect(global[0]?.queueName).toBe("Global");
      expect(global[0]!.totalWorkers - global0[0]!.totalWorkers).toBe(4);
      const grouped = await b.workerHealthStats({ staleBefore: stale, groupByQueue: true });
      expect(grouped.find((r) => r.queueName === q.queueName)).toEqual({
        queueName: q.queueName,
        totalWorkers: 3,
        readyWorkers: 1,
        pollingWorkers: 1,
        interruptedWorkers: 0,
        suspendedWorkers: 1,
        stoppedWorkers: 0,
        staleWorkers: 1,
      });
      expect(grouped.find((r) => r.queueName === "Admin")?.totalWorkers).toBe(admin0 + 1);
    });
  });
});
