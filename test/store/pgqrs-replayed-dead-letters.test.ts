/**
 * Issue 14 item 12: pgqrs's `replay_dlq` clears `archived_at` (and resets the delivery) but knows nothing of
 * `dead_lettered_at`. A message is dead only while both are set (to the one time the dead-letter sweep wrote), so
 * a message pgqrs replayed is pending and claimable here, and never counted as dead and pending at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeTime } from "../../src/store/sqlite/sqlite-time.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueRecord } from "../../src/types.js";
import { BACKENDS, type BackendName, uniqueName } from "../support/backends.js";
import { type RawSql, rawSql } from "../support/raw-sql.js";
import { openTestStore } from "../support/stores.js";

const T0 = Date.parse("2026-04-01T00:00:00.000Z");
const t = (ms = 0) => new Date(T0 + ms);
const MAX = 1;
/** The counts of a queue whose one message is a dead letter. */
const DEAD_ONLY = { pending: 0, archived: 1, dead: 1, listedDead: 1, countedDead: 1, systemDeadAndPending: 1 };

describe.each(BACKENDS)("dead letters replayed by pgqrs on %s", (name: BackendName) => {
  let b: StoreBackend;
  let raw: RawSql;
  const time = (d: Date) => (name === "sqlite" ? encodeTime(d) : d);

  // A store of its own for the dashboard reads, whose totals span every queue.
  const dash = {} as { backend: StoreBackend; raw: RawSql };
  beforeAll(async () => {
    const { store, dsn, schema } = await openTestStore(name);
    b = store.context.backend;
    raw = await rawSql(name, dsn, schema);
    const other = await openTestStore(name);
    dash.backend = other.store.context.backend;
    dash.raw = await rawSql(name, other.dsn, other.schema);
  });
  afterAll(async () => {
    await raw.close();
    await dash.raw.close();
  });

  /** pgqrs 0.15.3's replay statement, with its NOW() bound. */
  async function pgqrsReplay(id: number, at: Date): Promise<void> {
    await raw.run(
      {
        sqlite: `UPDATE pgqrs_messages SET archived_at = NULL, read_ct = 0, vt = ?, enqueued_at = ?,
                 consumer_worker_id = NULL, dequeued_at = NULL WHERE id = ? AND archived_at IS NOT NULL`,
        postgres: `UPDATE {{schema}}.pgqrs_messages SET archived_at = NULL, read_ct = 0, vt = $1, enqueued_at = $1,
                   consumer_worker_id = NULL, dequeued_at = NULL WHERE id = $2 AND archived_at IS NOT NULL`,
      },
      name === "sqlite" ? [time(at), time(at), id] : [at, id],
    );
  }

  /** A new queue (named after `prefix`) with one message, delivered once (to worker `w`) at t() with a 1 ms lease. */
  async function deliveredMessage(backend: StoreBackend, prefix: string, payload: string) {
    const q = await backend.createQueue({ name: uniqueName(prefix), now: t() });
    const w = await backend.registerWorker({ name: uniqueName("w"), queueId: q.id, now: t() });
    const [m] = await backend.enqueue({
      queueId: q.id,
      payloads: [payload],
      producerWorkerId: null,
      enqueuedAt: t(),
      visibleAt: t(),
    });
    await backend.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1, now: t(), maxReadCt: MAX });
    return { q, w, m };
  }

  async function counts(q: QueueRecord, at: Date) {
    const [m] = await b.queueMetrics({ queueId: q.id, now: at, maxReadCt: MAX });
    const s = await b.systemStats({ now: at, maxReadCt: MAX });
    return {
      pending: m?.pendingMessages,
      archived: m?.archivedMessages,
      dead: m?.deadLetteredMessages,
      listedDead: (await b.listMessages({ queueId: q.id, state: "dead" })).length,
      countedDead: await b.countMessages({ queueId: q.id, state: "dead" }),
      systemDeadAndPending: s.deadLetteredMessages + s.pendingMessages,
    };
  }

  it("a dead letter pgqrs replays is claimable, counted pending only, and not in the DLQ", async () => {
    const { q, w, m } = await deliveredMessage(b, "q", '"x"');
    expect((await b.deadLetter({ queueId: q.id, maxReadCt: MAX, now: t(10) })).ids).toEqual([m!.id]);
    expect(await counts(q, t(20))).toEqual(DEAD_ONLY);

    await pgqrsReplay(m!.id, t(30));
    expect(await counts(q, t(40))).toEqual({
      pending: 1,
      archived: 0,
      dead: 0,
      listedDead: 0,
      countedDead: 0,
      systemDeadAndPending: 1,
    });
    expect(await b.getMessage(m!.id)).toMatchObject({ archivedAt: null, deadLetteredAt: null, readCt: 0 });
    // Not a dead letter any more: our own replay leaves it alone.
    expect(await b.replayDeadLetter({ queueId: q.id, id: m!.id, now: t(40) })).toBeNull();

    const [claimed] = await b.dequeue({
      queueId: q.id,
      workerId: w.id,
      limit: 1,
      leaseMs: 1000,
      now: t(40),
      maxReadCt: MAX,
    });
    expect(claimed).toMatchObject({ id: m!.id, readCt: 1, deadLetteredAt: null });

    // Processed and archived, it is a plain archived message, not dead again.
    expect(await b.archive({ ids: [m!.id], workerId: w.id, now: t(50) })).toEqual([true]);
    expect(await counts(q, t(60))).toEqual({
      pending: 0,
      archived: 1,
      dead: 0,
      listedDead: 0,
      countedDead: 0,
      systemDeadAndPending: 0,
    });
    expect(await b.getMessage(m!.id)).toMatchObject({ archivedAt: t(50), deadLetteredAt: null });
  });

  it("a replayed message that exhausts its deliveries again is dead once more, counted once", async () => {
    const { q, w, m } = await deliveredMessage(b, "q", '"y"');
    await b.deadLetter({ queueId: q.id, maxReadCt: MAX, now: t(10) });
    await pgqrsReplay(m!.id, t(30));
    await b.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1, now: t(40), maxReadCt: MAX });
    // Delivered again and not yet swept: neither pending (read_ct reached the limit) nor dead.
    expect(await counts(q, t(41))).toEqual({
      pending: 0,
      archived: 0,
      dead: 0,
      listedDead: 0,
      countedDead: 0,
      systemDeadAndPending: 0,
    });
    expect((await b.deadLetter({ queueId: q.id, maxReadCt: MAX, now: t(50) })).ids).toEqual([m!.id]);
    expect(await counts(q, t(60))).toEqual(DEAD_ONLY);
    expect(await b.getMessage(m!.id)).toMatchObject({ archivedAt: t(50), deadLetteredAt: t(50) });
    expect(await b.replayDeadLetter({ queueId: q.id, id: m!.id, now: t(70) })).toMatchObject({
      id: m!.id,
      archivedAt: null,
      deadLetteredAt: null,
    });
  });

  it("the dashboard's paged reads use the same rule: a replayed, then completed message is completed, never dead", async () => {
    const d = dash.backend;
    const { q, w, m } = await deliveredMessage(d, "dash", '"x"');
    await d.deadLetter({ queueId: q.id, maxReadCt: MAX, now: t(10) });
    const dashboard = async (at: Date) => {
      const totals = await d.metricsTotals({ now: at, maxReadCt: MAX });
      const page = await d.queueMetricsPage({ limit: 10, offset: 0, now: at, maxReadCt: MAX });
      const completed = await d.completedPerMinute({ since: t(), queueIds: [q.id] });
      return {
        totalsDead: totals.deadLetteredMessages,
        totalsPending: totals.pendingMessages,
        pageDead: page.rows[0]?.deadLetteredMessages,
        completed: completed.reduce((n, c) => n + c.count, 0),
      };
    };
    expect(await dashboard(t(20))).toEqual({ totalsDead: 1, totalsPending: 0, pageDead: 1, completed: 0 });
    // pgqrs's replay: pending again, not dead.
    await dash.raw.run(
      {
        sqlite: "UPDATE pgqrs_messages SET archived_at = NULL, read_ct = 0, consumer_worker_id = NULL WHERE id = ?",
        postgres:
          "UPDATE {{schema}}.pgqrs_messages SET archived_at = NULL, read_ct = 0, consumer_worker_id = NULL WHERE id = $1",
      },
      [m!.id],
    );
    expect(await dashboard(t(30))).toEqual({ totalsDead: 0, totalsPending: 1, pageDead: 0, completed: 0 });
    await d.dequeue({ queueId: q.id, workerId: w.id, limit: 1, leaseMs: 1000, now: t(30), maxReadCt: MAX });
    expect(await d.archive({ ids: [m!.id], workerId: w.id, now: t(40) })).toEqual([true]);
    expect(await dashboard(t(50))).toEqual({ totalsDead: 0, totalsPending: 0, pageDead: 0, completed: 1 });
  });
});
