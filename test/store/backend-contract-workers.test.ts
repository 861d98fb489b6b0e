/**
 * StoreBackend contract, workers: registration, guarded transitions, heartbeats, listings, references, zombie
 * reclaim and purge of old workers. Runs once per backend of PGQRS_TEST_BACKENDS, on a fresh database per file.
 */
import { describe, expect, it } from "vitest";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";
import { codeOf, contractHelpers, messageOf } from "./backend-contract-support.js";

describeEachBackend("StoreBackend contract: $name", ({ b, backend }) => {
  const { queue, worker, put, take } = contractHelpers(backend);

  describe("workers", () => {
    it("registerWorker inserts ready, refuses active and suspended names, and resets a stopped one", async () => {
      const t = clock();
      const q = await queue(t());
      const q2 = await queue(t());
      const name = uniqueName("w");
      const w = await b.registerWorker({ name, queueId: q.id, now: t() });
      expect(w).toEqual({
        id: expect.any(Number),
        name,
        queueId: q.id,
        startedAt: t(),
        heartbeatAt: t(),
        shutdownAt: null,
        status: "ready",
      });
      const again = () => b.registerWorker({ name, queueId: q.id, now: t(1) });
      for (const status of ["ready", "polling", "interrupted"] as const) {
        await b.transitionWorker({ id: w.id, from: ["ready", "polling", "interrupted"], to: status, now: t() });
        expect(await messageOf(again)).toBe(
          `Validation failed: Worker ${name} is already active. Cannot register duplicate.`,
        );
      }
      await b.transitionWorker({ id: w.id, from: ["interrupted"], to: "suspended", now: t() });
      expect(await codeOf(again)).toBe("VALIDATION_FAILED");
      expect(await messageOf(again)).toBe(
        `Validation failed: Worker ${name} is suspended. Use resume() to reactivate.`,
      );
      await b.transitionWorker({ id: w.id, from: ["suspended"], to: "stopped", now: t(5) });
      const reset = await b.registerWorker({ name, queueId: q2.id, now: t(10) });
      expect(reset).toEqual({
        id: w.id,
        name,
        queueId: q2.id,
        startedAt: t(10),
        heartbeatAt: t(10),
        shutdownAt: null,
        status: "ready",
      });
      const admin = await worker(null, t());
      expect(admin.queueId).toBeNull();
    });

    it("transitionWorker is guarded and stamps shutdown_at on stop", async () => {
      const t = clock();
      const w = await worker(await queue(t()), t());
      expect(await b.transitionWorker({ id: w.id, from: ["polling"], to: "ready", now: t(1) })).toBeNull();
      expect(await b.transitionWorker({ id: 9_999_999, from: ["ready"], to: "polling", now: t(1) })).toBeNull();
      expect(
        (await b.transitionWorker({ id: w.id, from: ["ready", "polling"], to: "polling", now: t(1) }))?.status,
      ).toBe("polling");
      const stopped = await b.transitionWorker({ id: w.id, from: ["polling"], to: "stopped", now: t(2) });
      expect(stopped).toMatchObject({ status: "stopped", shutdownAt: t(2) });
      expect((await b.getWorker(w.id))?.status).toBe("stopped");
    });

    it("heartbeat, lookups, listings and counts", async () => {
      const t = clock();
      const q = await queue(t());
      const w1 = await worker(q, t(1));
      const w2 = await worker(q, t(2));
      const w3 = await worker(q, t(3));
      expect(await b.heartbeat({ id: w1.id, now: t(50) })).toBe(true);
      expect(await b.heartbeat({ id: 9_999_999, now: t(50) })).toBe(false);
      expect((await b.getWorker(w1.id))?.heartbeatAt).toEqual(t(50));
      expect(await b.heartbeatMany({ ids: [w2.id, 9_999_999, w3.id], now: t(60) })).toEqual([w2.id, w3.id]);
      expect((await b.getWorker(w3.id))?.heartbeatAt).toEqual(t(60));
      expect(await b.getWorkerByName(w2.name)).toEqual({ ...w2, heartbeatAt: t(60) });
      expect(await b.getWorkerByName(uniqueName("none"))).toBeNull();
      await b.transitionWorker({ id: w2.id, from: ["ready"], to: "suspended", now: t() });
      expect((await b.listWorkers({ queueId: q.id })).map((w) => w.id)).toEqual([w3.id, w2.id, w1.id]);
      expect((await b.listWorkers({ queueId: q.id, limit: 1, offset: 1 })).map((w) => w.id)).toEqual([w2.id]);
      expect((await b.listWorkers({ queueId: q.id, status: "suspended" })).map((w) => w.id)).toEqual([w2.id]);
      expect(await b.countWorkers({ queueId: q.id })).toBe(3);
      expect(await b.countWorkers({ queueId: q.id, status: "ready" })).toBe(2);
    });

    it("references, held messages and deleteWorker", async () => {
      const t = clock();
      const q = await queue(t());
      const producer = await worker(q, t());
      const consumer = await worker(q, t());
      const idle = await worker(q, t());
      await b.enqueue({
        queueId: q.id,
        payloads: ["1", "2", "3"],
        producerWorkerId: producer.id,
        enqueuedAt: t(),
        visibleAt: t(),
      });
      const got = await take(q, consumer, t(), 2);
      await b.archive({ ids: [got[0]!.id], workerId: consumer.id, now: t() });
      expect(await b.countWorkerReferences(producer.id)).toBe(3);
      expect(await b.countWorkerReferences(consumer.id)).toBe(2);
      expect(await b.countHeldMessages({ workerId: consumer.id })).toBe(1);
      expect(await b.countHeldMessages({ workerId: producer.id })).toBe(0);
      expect(await messageOf(() => b.deleteWorker(consumer.id))).toBe(
        "Validation failed: Worker has 2 references (associated messages/archives)",
      );
      expect(await b.deleteWorker(idle.id)).toBe(1);
      expect(await b.getWorker(idle.id)).toBeNull();
      expect(await b.deleteWorker(idle.id)).toBe(0);
    });

    it("lists zombies oldest first and reclaims them: messages released, workers stopped", async () => {
      const t = clock();
      const q = await queue(t());
      const old1 = await worker(q, t(10));
      const old2 = await worker(q, t(5));
      const fresh = await worker(q, t(1_000));
      const stoppedOld = await worker(q, t(1));
      await b.transitionWorker({ id: stoppedOld.id, from: ["ready"], to: "stopped", now: t(1) });
      const [m1, m2, m3] = await put(q, ["a", "b", "c"], t());
      await take(q, old1, t(20), 1);
      await take(q, fresh, t(20), 1);
      await take(q, old2, t(20), 1);
      await b.archive({ ids: [m3!.id], workerId: old2.id, now: t(21) });
      const zombies = await b.listZombies({ queueId: q.id, olderThan: t(500) });
      expect(zombies.map((w) => w.id)).toEqual([old2.id, old1.id]);
      const result = await b.reclaimZombies({ queueId: q.id, olderThan: t(500), now: t(600) });
      expect(result.released).toBe(1);
      expect([...result.workers].sort((x, y) => x - y)).toEqual([old1.id, old2.id].sort((x, y) => x - y));
      expect(await b.getMessage(m1!.id)).toMatchObject({ consumerWorkerId: null, vt: t(600), readCt: 1 });
      expect((await b.getMessage(m2!.id))?.consumerWorkerId).toBe(fresh.id);
      expect((await b.getMessage(m3!.id))?.consumerWorkerId).toBe(old2.id);
      expect(await b.getWorker(old1.id)).toMatchObject({ status: "stopped", shutdownAt: t(600) });
      expect((await b.getWorker(fresh.id))?.status).toBe("ready");
      expect(await b.listZombies({ queueId: q.id, olderThan: t(500) })).toEqual([]);
    });

    it("purgeOldWorkers deletes old stopped workers that no message references", async () => {
      const past = (ms: number) => new Date(Date.parse("2020-01-01T00:00:00.000Z") + ms);
      const q = await queue(past(0));
      const unreferenced = await worker(q, past(0));
      const referenced = await worker(q, past(0));
      const recent = await worker(q, past(0));
      const running = await worker(q, past(0));
      await b.enqueue({
        queueId: q.id,
        payloads: ["1"],
        producerWorkerId: referenced.id,
        enqueuedAt: past(0),
        visibleAt: past(0),
      });
      for (const w of [unreferenced, referenced, recent]) {
        await b.transitionWorker({ id: w.id, from: ["ready"], to: "stopped", now: past(1) });
      }
      await b.heartbeat({ id: recent.id, now: past(10_000) });
      expect(await b.purgeOldWorkers({ olderThan: past(5_000) })).toBe(1);
      expect(await b.getWorker(unreferenced.id)).toBeNull();
      for (const w of [referenced, recent, running]) expect(await b.getWorker(w.id)).not.toBeNull();
    });
  });
});
