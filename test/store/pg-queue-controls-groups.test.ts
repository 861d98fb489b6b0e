import { describe, expect, it } from "vitest";
import { uniqueName } from "../support/backends.js";
import { clockFrom, put, usePgStores, workers } from "./pg-queue-controls-support.js";

const STORES = 4;
const stores = usePgStores(STORES, 5);

describe("rate limit: a sliding window across stores (PostgreSQL)", () => {
  it("never more than max claims in any window, at once or spread over time", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({
      name: uniqueName("rate"),
      now: t(),
      settings: { rateLimit: { max: 5, perSeconds: 10 } },
    });
    await put(b, q.id, 60, t());
    const ws = await workers(b, q.id, 16, t());
    const claim = (i: number, at: Date, limit = 1) =>
      s.all[i % STORES]!.dequeue({
        queueId: q.id,
        workerId: ws[i]!,
        limit,
        leaseMs: 1_000,
        now: at,
        maxReadCt: 5,
        limited: true,
      });
    const log = async () =>
      (await s.raw.query(`SELECT rate_log FROM ${s.t("pgqrs_queue_settings")} WHERE queue_id = $1`, [q.id])).rows[0]
        .rate_log as [number, number][];

    // 16 at once: 5 get one each.
    const burst = await Promise.all(ws.map((_, i) => claim(i, t(0))));
    expect(burst.flat()).toHaveLength(5);
    // The window slides: 9.999 s later nothing; once the first claims leave it, 5 again.
    expect(await claim(0, t(9_999), 10)).toHaveLength(0);
    expect(await claim(1, t(10_000), 3)).toHaveLength(3);
    expect(await claim(2, t(12_000), 10)).toHaveLength(2);
    expect(await claim(3, t(19_999), 10)).toHaveLength(0);
    expect(await claim(4, t(20_000), 10)).toHaveLength(3);
    // Only claims inside the window are kept: t(12 000) and t(20 000).
    expect(await log()).toEqual([
      [t(12_000).getTime(), 2],
      [t(20_000).getTime(), 3],
    ]);
    expect(await claim(5, t(22_001), 10)).toHaveLength(2);
    expect(await log()).toEqual([
      [t(20_000).getTime(), 3],
      [t(22_001).getTime(), 2],
    ]);
  });
});

describe("ordered groups under concurrent claimers (PostgreSQL)", () => {
  it("8 claimers on 4 stores: one message per group at a time, in enqueue order; ungrouped ones in parallel", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("groups"), now: t() });
    const groups = ["a", "b", "c", "d"];
    const order = new Map<string, number[]>();
    for (let round = 0; round < 4; round++) {
      for (const g of groups) {
        const ids = await put(b, q.id, 1, t(), { groupKey: g });
        order.set(g, [...(order.get(g) ?? []), ...ids]);
      }
    }
    const free = await put(b, q.id, 6, t());
    const ws = await workers(b, q.id, 8, t());
    const delivered = new Map<string, number[]>();
    let ungrouped = 0;
    for (let round = 1; round <= 4; round++) {
      const now = t(round * 10);
      const got = (
        await Promise.all(
          ws.map((workerId, i) =>
            s.all[i % STORES]!.dequeue({ queueId: q.id, workerId, limit: 10, leaseMs: 5, now, maxReadCt: 5 }).then(
              (ms) => ms.map((m) => ({ m, workerId })),
            ),
          ),
        )
      ).flat();
      const grouped = got.filter(({ m }) => m.groupKey !== null);
      for (const { m, workerId } of got.filter(({ m }) => m.groupKey === null)) {
        expect(await b.archive({ ids: [m.id], workerId, now })).toEqual([true]);
        ungrouped += 1;
      }
      // Exactly one per group (its head), whatever the claimers' interleaving.
      expect(grouped.map(({ m }) => m.groupKey).sort()).toEqual(groups);
      for (const { m } of grouped) delivered.set(m.groupKey!, [...(delivered.get(m.groupKey!) ?? []), m.id]);
      // An expired lease gives the same head back, never the next message of its group.
      const again = await b.dequeue({
        queueId: q.id,
        workerId: ws[0]!,
        limit: 20,
        leaseMs: 5,
        now: t(round * 10 + 6),
        maxReadCt: 5,
      });
      expect(again.map((m) => m.id).sort()).toEqual(grouped.map(({ m }) => m.id).sort());
      for (const m of again)
        expect(await b.archive({ ids: [m.id], workerId: ws[0]!, now: t(round * 10 + 7) })).toEqual([true]);
    }
    expect(ungrouped).toBe(free.length);
    for (const g of groups) expect(delivered.get(g)).toEqual(order.get(g));
  });

  it("the claim order is priority first, then enqueue order, in all three claims", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("prio"), now: t() });
    const low = await put(b, q.id, 2, t(0), { priority: -1 });
    const mid = await put(b, q.id, 2, t(1));
    const high = await put(b, q.id, 2, t(2), { priority: 7 });
    const [w] = await workers(b, q.id, 1, t());
    const first = await b.dequeue({ queueId: q.id, workerId: w!, limit: 3, leaseMs: 60_000, now: t(5), maxReadCt: 5 });
    expect(first.map((m) => m.id)).toEqual([...high, mid[0]]);
    expect(first.map((m) => m.priority)).toEqual([7, 7, 0]);
    const next = await b.archiveAndDequeue({
      queueId: q.id,
      workerId: w!,
      archiveIds: first.map((m) => m.id),
      limit: 2,
      leaseMs: 60_000,
      now: t(6),
      maxReadCt: 5,
    });
    expect(next.messages.map((m) => m.id)).toEqual([mid[1], low[0]]);

    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const wLow = await put(b, wf.queueId, 1, t(0), { priority: -5 });
    const wHigh = await put(b, wf.queueId, 1, t(1), { priority: 5 });
    const [ww] = await workers(b, wf.queueId, 1, t());
    const runs = await b.dequeueAndStartRuns!({
      queueId: wf.queueId,
      workerId: ww!,
      limit: 2,
      leaseMs: 60_000,
      now: t(5),
      maxReadCt: 5,
    });
    expect(runs.map((r) => r.message.id)).toEqual([...wHigh, ...wLow]);
    expect(runs.map((r) => r.run?.status)).toEqual(["RUNNING", "RUNNING"]);
  });
});
