/**
 * StoreBackend contract, message reads and admin: get/list/count messages, unconditional delete, dead letters and
 * their replay. Runs once per backend of PGQRS_TEST_BACKENDS, on a fresh database per file.
 */
import { describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";
import { contractHelpers } from "./backend-contract-support.js";

describeEachBackend("StoreBackend contract: $name", ({ b, backend }) => {
  const { queue, worker, put, take } = contractHelpers(backend);

  describe("message reads and admin", () => {
    it("getMessages orders by id and skips missing; list/count filter by state, queue and consumer", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [m1, m2, m3] = await put(q, ["a", "b", "c"], t());
      const [m4] = await put(q, ["d"], t(10));
      expect((await b.getMessages([m3!.id, 9_999_999, m1!.id])).map((m) => m.id)).toEqual([m1!.id, m3!.id]);
      expect(await b.getMessage(9_999_999)).toBeNull();
      await take(q, w, t(20), 2);
      await b.archive({ ids: [m2!.id], workerId: w.id, now: t(30) });
      await b.archive({ ids: [m1!.id], workerId: w.id, now: t(40) });
      const ids = async (p: Parameters<StoreBackend["listMessages"]>[0]) => (await b.listMessages(p)).map((m) => m.id);
      expect(await ids({ queueId: q.id })).toEqual([m4!.id, m3!.id]);
      expect(await ids({ queueId: q.id, state: "archived" })).toEqual([m1!.id, m2!.id]);
      expect(await ids({ queueId: q.id, state: "all" })).toEqual([m4!.id, m3!.id, m2!.id, m1!.id]);
      expect(await ids({ queueId: q.id, state: "all", limit: 2, offset: 1 })).toEqual([m3!.id, m2!.id]);
      expect(await ids({ queueId: q.id, state: "all", consumerWorkerId: w.id })).toEqual([m2!.id, m1!.id]);
      expect(await ids({ queueId: q.id, state: "dead" })).toEqual([]);
      expect(await b.countMessages({ queueId: q.id })).toBe(2);
      expect(await b.countMessages({ queueId: q.id, state: "archived" })).toBe(2);
      expect(await b.countMessages({ queueId: q.id, state: "all", consumerWorkerId: w.id })).toBe(2);
    });

    it("deleteMessages deletes unconditionally, with the runs of those messages", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const [m1, m2] = await put(q, [{ input: 1 }, { input: 2 }], t());
      const run = await b.getOrCreateRun({ message: m1!, now: t() });
      await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t() });
      expect(await b.deleteMessages({ ids: [m1!.id, 9_999_999, m2!.id] })).toEqual([true, false, true]);
      expect(await b.getRun(run.id)).toBeNull();
      expect(await b.getMessages([m1!.id, m2!.id])).toEqual([]);
    });

    it("deadLetter is per queue, skips live leases, and replay only takes that queue's dead letters", async () => {
      const t = clock();
      const q = await queue(t());
      const other = await queue(t());
      const w = await worker(q, t());
      const ow = await worker(other, t());
      const [expired, live, fresh, archived] = await put(q, ["expired", "live", "fresh", "archived"], t());
      const [foreign] = await put(other, ["foreign"], t());
      await b.dequeue({ queueId: q.id, workerId: w.id, limit: 4, leaseMs: 100, now: t(), maxReadCt: 5 });
      await b.dequeue({ queueId: other.id, workerId: ow.id, limit: 1, leaseMs: 100, now: t(), maxReadCt: 5 });
      await b.archive({ ids: [archived!.id], workerId: w.id, now: t(1) });
      await b.extendVisibility({ ids: [live!.id], workerId: w.id, now: t(1), extendMs: 10_000 });
      await b.release({ ids: [fresh!.id], workerId: w.id, now: t(1), visibleAt: t(1) });
      const dead = await b.deadLetter({ queueId: q.id, maxReadCt: 1, now: t(200) });
      expect(dead).toEqual({ ids: [expired!.id, fresh!.id].sort((x, y) => x - y), failedRuns: [] });
      expect(await b.getMessage(expired!.id)).toMatchObject({ archivedAt: t(200), deadLetteredAt: t(200) });
      expect(await b.getMessage(live!.id)).toMatchObject({ archivedAt: null, deadLetteredAt: null });
      expect((await b.getMessage(foreign!.id))?.archivedAt).toBeNull();
      expect(await b.countMessages({ queueId: q.id, state: "dead" })).toBe(2);
      expect(await b.replayDeadLetter({ queueId: other.id, id: expired!.id, now: t(300) })).toBeNull();
      expect(await b.replayDeadLetter({ queueId: q.id, id: archived!.id, now: t(300) })).toBeNull();
      const replayed = await b.replayDeadLetter({ queueId: q.id, id: expired!.id, now: t(300) });
      expect(replayed).toMatchObject({
        id: expired!.id,
        archivedAt: null,
        deadLetteredAt: null,
        readCt: 0,
        vt: t(300),
        enqueuedAt: t(300),
        consumerWorkerId: null,
        dequeuedAt: null,
      });
      expect((await take(q, w, t(300))).map((m) => m.id)).toEqual([expired!.id]);
    });
  });
});
