import { describe, expect, it } from "vitest";
import type { QueueMessage } from "../../src/types.js";
import { uniqueName } from "../support/backends.js";
import { client, clockFrom, lockWaiters, put, usePgStores, workers } from "./pg-queue-controls-support.js";

const STORES = 4;
const stores = usePgStores(STORES, 5);

describe("dedup keys under 16 concurrent enqueues (PostgreSQL)", () => {
  for (const outcome of ["ROLLBACK", "COMMIT"] as const) {
    it(`16 enqueues of one key on 4 stores make one row (the first holder's transaction: ${outcome})`, async () => {
      const s = stores();
      const t = clockFrom();
      const q = await s.all[0]!.createQueue({ name: uniqueName("dedup"), now: t() });
      const app = await client();
      try {
        await app.query("BEGIN");
        const [held] = await s.all[0]!.enqueue({
          queueId: q.id,
          payloads: [JSON.stringify({ app: true })],
          producerWorkerId: null,
          enqueuedAt: t(),
          visibleAt: t(),
          dedupKey: "k",
          tx: app,
        });
        const racing = Array.from({ length: 16 }, (_, i) =>
          s.all[i % STORES]!.enqueue({
            queueId: q.id,
            payloads: [JSON.stringify({ i })],
            producerWorkerId: null,
            enqueuedAt: t(1),
            visibleAt: t(1),
            dedupKey: "k",
          }),
        );
        // Every contender's insert waits on the uncommitted row of the key.
        await lockWaiters(s.raw, 16, s.schema);
        await app.query(outcome);
        const results = (await Promise.all(racing)).map((r) => r[0] as QueueMessage);
        const rows = await s.raw.query(`SELECT id, payload FROM ${s.t("pgqrs_messages")} WHERE queue_id = $1`, [q.id]);
        expect(rows.rows).toHaveLength(1);
        const id = Number(rows.rows[0].id);
        expect(new Set(results.map((m) => m.id))).toEqual(new Set([id]));
        const written = results.filter((m) => m.deduplicated !== true);
        if (outcome === "COMMIT") {
          expect(id).toBe(held?.id);
          expect(written).toHaveLength(0);
          expect(rows.rows[0].payload).toEqual({ app: true });
        } else {
          expect(written).toHaveLength(1);
          expect(rows.rows[0].payload).toEqual(written[0]?.payload);
        }
        for (const m of results) expect(m.dedupKey).toBe("k");
      } finally {
        await app.end();
      }
    });
  }

  it("a key is free again once its message is archived; with a window, archived ones still match", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("dedup"), now: t() });
    const [w] = await workers(b, q.id, 1, t());
    const enqueue = (at: number, windowMs?: number) =>
      b.enqueue({
        queueId: q.id,
        payloads: [JSON.stringify({ at })],
        producerWorkerId: null,
        enqueuedAt: t(at),
        visibleAt: t(at),
        dedupKey: "k",
        ...(windowMs === undefined ? {} : { dedupWindowMs: windowMs }),
      });
    const [first] = await enqueue(0);
    const [claimed] = await b.dequeue({
      queueId: q.id,
      workerId: w!,
      limit: 1,
      leaseMs: 1000,
      now: t(1),
      maxReadCt: 5,
    });
    expect(claimed?.id).toBe(first?.id);
    expect((await b.archive({ ids: [first!.id], workerId: w!, now: t(10) }))[0]).toBe(true);
    // Archived at t(10): a window of 5 s at t(14) still finds it; at t(16) it does not, so a new row is written.
    const [hit] = await enqueue(14, 5_000);
    expect(hit).toMatchObject({ id: first?.id, deduplicated: true });
    expect(hit?.archivedAt).toEqual(t(10));
    const [fresh] = await enqueue(5_011, 5_000);
    expect(fresh?.id).not.toBe(first?.id);
    expect(fresh?.deduplicated).toBeUndefined();
    const [again] = await enqueue(5_012);
    expect(again).toMatchObject({ id: fresh?.id, deduplicated: true, payload: { at: 5_011 } });
  });
});

describe("concurrency limit under concurrent limited claims (PostgreSQL)", () => {
  it("16 limited claims lined up on the settings row take exactly the limit, never more", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({ name: uniqueName("limit"), now: t(), settings: { concurrencyLimit: 3 } });
    await put(b, q.id, 40, t());
    const ws = await workers(b, q.id, 16, t());
    const leased = async (at: Date) =>
      Number(
        (
          await s.raw.query(
            `SELECT pg_catalog.count(*) AS n FROM ${s.t("pgqrs_messages")}
              WHERE queue_id = $1 AND archived_at IS NULL AND consumer_worker_id IS NOT NULL AND vt > $2`,
            [q.id, at],
          )
        ).rows[0].n,
      );
    const claimAll = (at: Date) =>
      Promise.all(
        ws.map((workerId, i) =>
          s.all[i % STORES]!.dequeue({
            queueId: q.id,
            workerId,
            limit: 2,
            leaseMs: 60_000,
            now: at,
            maxReadCt: 5,
            limited: true,
          }),
        ),
      );

    const app = await client();
    let first: QueueMessage[][];
    try {
      await app.query("BEGIN");
      await app.query(`SELECT 1 FROM ${s.t("pgqrs_queue_settings")} WHERE queue_id = $1 FOR UPDATE`, [q.id]);
      const racing = claimAll(t(1));
      await lockWaiters(s.raw, 16, s.schema);
      await app.query("COMMIT");
      first = await racing;
    } finally {
      await app.end();
    }
    expect(first.flat()).toHaveLength(3);
    expect(await leased(t(1))).toBe(3);

    // Two acknowledged: exactly two slots free up, whatever the number of claimers.
    const held = first.flatMap((ms, i) => ms.map((m) => ({ m, w: ws[i]! })));
    for (const { m, w } of held.slice(0, 2))
      expect(await b.archive({ ids: [m.id], workerId: w, now: t(2) })).toEqual([true]);
    const second = await claimAll(t(3));
    expect(second.flat()).toHaveLength(2);
    expect(await leased(t(3))).toBe(3);

    // Acknowledge and claim in one call: the acknowledged message's slot is counted free at once.
    const last = held[2]!;
    const both = await s.all[1]!.archiveAndDequeue({
      queueId: q.id,
      workerId: last.w,
      archiveIds: [last.m.id],
      limit: 5,
      leaseMs: 60_000,
      now: t(4),
      maxReadCt: 5,
      limited: true,
    });
    expect(both.archived).toEqual([true]);
    expect(both.messages).toHaveLength(1);
    expect(await leased(t(4))).toBe(3);

    // Leases that expired free their slots (a crashed consumer does not hold the limit forever).
    const afterExpiry = await claimAll(t(70_000));
    expect(afterExpiry.flat()).toHaveLength(3);
    expect(await leased(t(70_000))).toBe(3);
  });

  it("claims without `limited` take nothing from a queue with a limit; cleared, they claim again", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const q = await b.createQueue({
      name: uniqueName("guard"),
      now: t(),
      settings: { rateLimit: { max: 100, perSeconds: 1 } },
    });
    await put(b, q.id, 3, t());
    const [w] = await workers(b, q.id, 1, t());
    const p = { queueId: q.id, workerId: w!, limit: 5, leaseMs: 1000, now: t(1), maxReadCt: 5 };
    expect(await b.dequeue(p)).toEqual([]);
    expect((await b.archiveAndDequeue({ ...p, archiveIds: [] })).messages).toEqual([]);
    const handed = await b.enqueue({
      queueId: q.id,
      payloads: ["{}"],
      producerWorkerId: null,
      enqueuedAt: t(1),
      visibleAt: t(1),
      leaseTo: { workerId: w!, now: t(1), leaseEnd: t(1000), maxReadCt: 5 },
    });
    expect(handed[0]?.consumerWorkerId).toBeNull();
    await b.updateQueueSettings({ queueId: q.id, settings: { rateLimit: null }, now: t(2) });
    expect(await b.dequeue({ ...p, now: t(3) })).toHaveLength(4);
  });

  it("a workflow queue with a limit: its worker's claim starts runs only through the limited claim", async () => {
    const s = stores();
    const b = s.all[0]!;
    const t = clockFrom();
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    await b.updateQueueSettings({ queueId: wf.queueId, settings: { concurrencyLimit: 2 }, now: t() });
    await put(b, wf.queueId, 3, t());
    const [w] = await workers(b, wf.queueId, 1, t());
    const p = { queueId: wf.queueId, workerId: w!, limit: 5, leaseMs: 60_000, now: t(1), maxReadCt: 5 };
    expect(await b.dequeueAndStartRuns!(p)).toEqual([]);
    const started = await b.dequeueAndStartRuns!({ ...p, limited: true });
    expect(started.map((r) => r.run?.status)).toEqual(["RUNNING", "RUNNING"]);
    expect(started.map((r) => r.run?.messageId)).toEqual(started.map((r) => r.message.id));
    expect(await b.dequeueAndStartRuns!({ ...p, limited: true, versions: ["v1"] })).toEqual([]);
  });
});
