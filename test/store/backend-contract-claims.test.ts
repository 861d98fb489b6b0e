/**
 * StoreBackend contract, enqueue and claims: enqueue, dequeue order, visibility, lease expiry and the read limit;
 * then the operations a lease holder makes (archive, deleteOwned, extendVisibility, release, releaseWorkerMessages),
 * each checked against the owner. Runs once per backend of PGQRS_TEST_BACKENDS, on a fresh database per file.
 */
import { describe, expect, it } from "vitest";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { contractHelpers } from "./backend-contract-support.js";

describeEachBackend("StoreBackend contract: $name", ({ b, backend }) => {
  const { queue, worker, put, take } = contractHelpers(backend);

  describe("enqueue and dequeue", () => {
    it("enqueue returns rows in payload order with parsed payloads", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const payloads = [{ a: 1 }, "text", null, [1, 2], 42];
      const rows = await b.enqueue({
        queueId: q.id,
        payloads: payloads.map((p) => JSON.stringify(p)),
        producerWorkerId: w.id,
        enqueuedAt: t(),
        visibleAt: t(5),
      });
      expect(rows.map((r) => r.payload)).toEqual(payloads);
      expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((x, y) => x - y));
      expect(rows[0]).toEqual({
        id: expect.any(Number),
        queueId: q.id,
        payload: { a: 1 },
        vt: t(5),
        enqueuedAt: t(),
        readCt: 0,
        dequeuedAt: null,
        producerWorkerId: w.id,
        consumerWorkerId: null,
        archivedAt: null,
        deadLetteredAt: null,
        priority: 0,
        dedupKey: null,
        groupKey: null,
        lastError: null,
        headers: null,
        progress: null,
      });
      expect(
        await b.enqueue({ queueId: q.id, payloads: [], producerWorkerId: null, enqueuedAt: t(), visibleAt: t() }),
      ).toEqual([]);
    });

    it("enqueues a batch larger than one statement's variable limit", async () => {
      const t = clock();
      const q = await queue(t());
      const rows = await put(
        q,
        Array.from({ length: 7_001 }, (_, i) => i),
        t(),
      );
      expect(rows.map((r) => r.payload)).toEqual(Array.from({ length: 7_001 }, (_, i) => i));
    });

    it("dequeues oldest first by (enqueued_at, id) and returns rows in that order", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [late] = await put(q, ["late"], t(30));
      const [early1, early2] = await put(q, ["early1", "early2"], t(10));
      const [mid] = await put(q, ["mid"], t(20));
      const got = await take(q, w, t(100), 3, 5_000);
      expect(got.map((m) => m.id)).toEqual([early1!.id, early2!.id, mid!.id]);
      for (const m of got) {
        expect(m.readCt).toBe(1);
        expect(m.consumerWorkerId).toBe(w.id);
        expect(m.vt).toEqual(t(5_100));
        expect(m.dequeuedAt).toEqual(t(100));
      }
      expect((await take(q, w, t(100))).map((m) => m.id)).toEqual([late!.id]);
      expect(await take(q, w, t(100))).toEqual([]);
    });

    it("keeps delayed messages invisible until vt, inclusive", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [m] = await put(q, ["d"], t(), t(1_000));
      expect(await take(q, w, t(999))).toEqual([]);
      expect((await take(q, w, t(1_000))).map((r) => r.id)).toEqual([m!.id]);
    });

    it("redelivers an expired lease: read_ct grows, the old owner loses archive", async () => {
      const t = clock();
      const q = await queue(t());
      const w1 = await worker(q, t());
      const w2 = await worker(q, t());
      const [m] = await put(q, ["x"], t());
      await take(q, w1, t(10), 1, 1_000);
      expect(await take(q, w2, t(1_009))).toEqual([]);
      const [again] = await take(q, w2, t(1_010), 1, 1_000);
      expect(again).toMatchObject({ id: m!.id, readCt: 2, consumerWorkerId: w2.id, dequeuedAt: t(10), vt: t(2_010) });
      expect(await b.archive({ ids: [m!.id], workerId: w1.id, now: t(1_020) })).toEqual([false]);
      expect(await b.extendVisibility({ ids: [m!.id], workerId: w1.id, now: t(1_020), extendMs: 10 })).toEqual([false]);
      expect(await b.deleteOwned({ ids: [m!.id], workerId: w1.id, now: t(1_020) })).toEqual([false]);
      expect(await b.archive({ ids: [m!.id], workerId: w2.id, now: t(1_020) })).toEqual([true]);
      expect((await b.getMessage(m!.id))?.archivedAt).toEqual(t(1_020));
    });

    it("never claims a message whose read_ct reached maxReadCt", async () => {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const [m] = await put(q, ["poison"], t());
      for (let i = 1; i <= 2; i++) {
        const got = await b.dequeue({
          queueId: q.id,
          workerId: w.id,
          limit: 1,
          leaseMs: 10,
          now: t(i * 100),
          maxReadCt: 2,
        });
        expect(got.map((r) => r.readCt)).toEqual([i]);
      }
      expect(
        await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 10, now: t(1_000), maxReadCt: 2 }),
      ).toEqual([]);
      expect(
        (await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 10, now: t(1_000), maxReadCt: 3 }))[0]?.id,
      ).toBe(m!.id);
    });
  });

  describe("owner-checked operations", () => {
    async function setup() {
      const t = clock();
      const q = await queue(t());
      const w = await worker(q, t());
      const other = await worker(q, t());
      const ms = await put(q, [1, 2, 3, 4], t());
      await take(q, w, t(), 2, 10_000);
      await take(q, other, t(), 1, 10_000);
      // ms[0], ms[1] held by w; ms[2] by other; ms[3] unleased.
      return { t, q, w, other, ids: ms.map((m) => m.id) };
    }

    it("archive: per-id booleans for owned, foreign, unleased, missing and archived ids", async () => {
      const { t, w, ids } = await setup();
      const [a, b2, c, d] = ids as [number, number, number, number];
      // A repeated id's later answers are backend-defined (first-only or all true); only the first is checked.
      const result = await b.archive({ ids: [a, c, d, 9_999_999, a], workerId: w.id, now: t(1) });
      expect(result.slice(0, 4)).toEqual([true, false, false, false]);
      expect(result).toHaveLength(5);
      expect(await b.archive({ ids: [a, b2], workerId: w.id, now: t(2) })).toEqual([false, true]);
      expect(await b.archive({ ids: [], workerId: w.id, now: t(2) })).toEqual([]);
    });

    it("deleteOwned deletes only owned, unarchived rows", async () => {
      const { t, w, ids } = await setup();
      const [a, b2, c] = ids as [number, number, number];
      await b.archive({ ids: [b2], workerId: w.id, now: t(1) });
      expect(await b.deleteOwned({ ids: [c, a, b2], workerId: w.id, now: t(1) })).toEqual([false, true, false]);
      expect(await b.getMessage(a)).toBeNull();
      expect(await b.getMessage(b2)).not.toBeNull();
    });

    it("extendVisibility sets vt = max(vt, now) + extendMs, with millisecond precision", async () => {
      const { t, w, ids } = await setup();
      const [a, b2, c] = ids as [number, number, number];
      expect(await b.extendVisibility({ ids: [a, c], workerId: w.id, now: t(1_000), extendMs: 1_234 })).toEqual([
        true,
        false,
      ]);
      expect((await b.getMessage(a))?.vt).toEqual(t(11_234));
      // An expired lease extends from now.
      expect(await b.extendVisibility({ ids: [b2], workerId: w.id, now: t(20_000), extendMs: 5 })).toEqual([true]);
      expect((await b.getMessage(b2))?.vt).toEqual(t(20_005));
      expect((await b.getMessage(c))?.vt).toEqual(t(10_000));
    });

    it("release clears the owner, sets vt and keeps read_ct", async () => {
      const { t, q, w, ids } = await setup();
      const [a, , c] = ids as [number, number, number];
      expect(await b.release({ ids: [a, c], workerId: w.id, now: t(1), visibleAt: t(500) })).toEqual([true, false]);
      expect(await b.getMessage(a)).toMatchObject({ consumerWorkerId: null, vt: t(500), readCt: 1, dequeuedAt: t() });
      const w3 = await worker(q, t());
      expect((await take(q, w3, t(499))).map((m) => m.id)).not.toContain(a);
      expect((await take(q, w3, t(500))).map((m) => m.id)).toContain(a);
    });

    it("releaseWorkerMessages releases the worker's unarchived messages and counts them", async () => {
      const { t, w, other, ids } = await setup();
      const [a, b2, c] = ids as [number, number, number];
      await b.archive({ ids: [a], workerId: w.id, now: t(1) });
      expect(await b.releaseWorkerMessages({ workerId: w.id, now: t(2) })).toBe(1);
      expect(await b.getMessage(b2)).toMatchObject({ consumerWorkerId: null, vt: t(2) });
      expect(await b.getMessage(a)).toMatchObject({ consumerWorkerId: w.id, archivedAt: t(1) });
      expect((await b.getMessage(c))?.consumerWorkerId).toBe(other.id);
    });
  });
});
