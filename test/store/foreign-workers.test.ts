/**
 * Issue 14 item 11 (DECISIONS.md item 19): only workers that heartbeat in the background (this package's) are
 * reclaimed as zombies. pgqrs (Rust/Python) heartbeats only while its loop is idle, so a busy pgqrs worker's stale
 * heartbeat must not get its message run twice: its messages come back by lease expiry alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeTime } from "../../src/store/sqlite/sqlite-time.js";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKENDS, type BackendName, uniqueName } from "../support/backends.js";
import { type RawSql, rawSql } from "../support/raw-sql.js";
import { openTestStore } from "../support/stores.js";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const t = (ms = 0) => new Date(T0 + ms);
const MIN = 60_000;
const LEASE_MS = 10 * MIN;
const THRESHOLD_MS = 30_000;

describe.each(BACKENDS)("zombie reclaim beside pgqrs workers on %s", (name: BackendName) => {
  let b: StoreBackend;
  let raw: RawSql;
  const time = (d: Date) => (name === "sqlite" ? encodeTime(d) : d);

  beforeAll(async () => {
    const { store, dsn, schema } = await openTestStore(name);
    b = store.context.backend;
    raw = await rawSql(name, dsn, schema);
  });
  afterAll(async () => {
    await raw.close();
  });

  /** pgqrs's registration: a plain insert, no background-heartbeat marker. */
  async function pgqrsWorker(workerName: string, queueId: number, at: Date): Promise<number> {
    const [row] = await raw.run(
      {
        sqlite: `INSERT INTO pgqrs_workers (name, queue_id, started_at, heartbeat_at, status)
                 VALUES (?, ?, ?, ?, 'ready') RETURNING id`,
        postgres: `INSERT INTO {{schema}}.pgqrs_workers (name, queue_id, started_at, heartbeat_at, status)
                   VALUES ($1, $2, $3, $4, 'ready') RETURNING id`,
      },
      [workerName, queueId, time(at), time(at)],
    );
    return Number(row?.id);
  }

  it("reclaims our stale worker but not a busy pgqrs worker, whose message comes back when its lease expires", async () => {
    const q = await b.createQueue({ name: uniqueName("q"), now: t() });
    const ours = await b.registerWorker({ name: uniqueName("ours"), queueId: q.id, now: t() });
    const foreign = await pgqrsWorker(uniqueName("rust"), q.id, t());
    const [mine, theirs] = await b.enqueue({
      queueId: q.id,
      payloads: ['"ours"', '"theirs"'],
      producerWorkerId: null,
      enqueuedAt: t(),
      visibleAt: t(),
    });
    const claim = (workerId: number, at: Date, limit = 1) =>
      b.dequeue({ queueId: q.id, workerId, limit, leaseMs: LEASE_MS, now: at, maxReadCt: 5 });
    expect((await claim(ours.id, t())).map((m) => m.id)).toEqual([mine!.id]);
    expect((await claim(foreign, t())).map((m) => m.id)).toEqual([theirs!.id]);

    // Five minutes on, neither has heartbeated: both are far past the threshold, both still hold a live lease.
    const now = t(5 * MIN);
    const olderThan = new Date(now.getTime() - THRESHOLD_MS);
    expect((await b.listZombies({ queueId: q.id, olderThan })).map((w) => w.id)).toEqual([ours.id]);
    expect((await b.listZombies({ olderThan })).map((w) => w.id)).toEqual([ours.id]);
    expect(await b.reclaimZombies({ queueId: q.id, olderThan, now })).toEqual({ released: 1, workers: [ours.id] });
    expect((await b.getWorker(ours.id))?.status).toBe("stopped");
    expect((await b.getWorker(foreign))?.status).toBe("ready");
    expect(await b.getMessage(theirs!.id)).toMatchObject({ consumerWorkerId: foreign, vt: t(LEASE_MS) });

    const other = await b.registerWorker({ name: uniqueName("other"), queueId: q.id, now });
    expect((await claim(other.id, now, 10)).map((m) => m.id)).toEqual([mine!.id]);
    // The pgqrs worker's message is redelivered once its lease ends, not before.
    expect(await claim(other.id, t(LEASE_MS - 1), 10)).toEqual([]);
    expect((await claim(other.id, t(LEASE_MS), 10)).map((m) => m.id)).toEqual([theirs!.id]);
  });

  it("a pgqrs process reusing the name of our stopped worker is not ours: never reclaimed", async () => {
    const q = await b.createQueue({ name: uniqueName("q"), now: t() });
    const ours = await b.registerWorker({ name: uniqueName("shared"), queueId: q.id, now: t() });
    await b.transitionWorker({ id: ours.id, from: ["ready"], to: "stopped", now: t(1) });
    // pgqrs's registration of a stopped name: the row is reset in place with a new started_at.
    await raw.run(
      {
        sqlite: `UPDATE pgqrs_workers SET status = 'ready', queue_id = ?, started_at = ?, heartbeat_at = ?,
                 shutdown_at = NULL WHERE id = ?`,
        postgres: `UPDATE {{schema}}.pgqrs_workers SET status = 'ready', queue_id = $1, started_at = $2,
                   heartbeat_at = $3, shutdown_at = NULL WHERE id = $4`,
      },
      [q.id, time(t(MIN)), time(t(MIN)), ours.id],
    );
    await b.enqueue({ queueId: q.id, payloads: ["1"], producerWorkerId: null, enqueuedAt: t(), visibleAt: t() });
    await b.dequeue({ queueId: q.id, workerId: ours.id, limit: 1, leaseMs: LEASE_MS, now: t(MIN), maxReadCt: 5 });
    const now = t(8 * MIN);
    const olderThan = new Date(now.getTime() - THRESHOLD_MS);
    expect(await b.listZombies({ queueId: q.id, olderThan })).toEqual([]);
    expect(await b.reclaimZombies({ queueId: q.id, olderThan, now })).toEqual({ released: 0, workers: [] });

    // Registered again by this package, the row is ours once more.
    await b.transitionWorker({ id: ours.id, from: ["ready"], to: "stopped", now });
    const again = await b.registerWorker({ name: ours.name, queueId: q.id, now });
    expect(again.id).toBe(ours.id);
    expect((await b.listZombies({ queueId: q.id, olderThan: t(9 * MIN) })).map((w) => w.id)).toEqual([ours.id]);
  });
});
