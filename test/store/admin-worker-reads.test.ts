/**
 * Issue 14 item 13: `Admin.workerStats` is one backend call and one statement whatever the number of workers (it
 * made one query per worker), and `Admin.getWorkerMessages` pages instead of stopping silently at 10,000 rows.
 */
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Store } from "../../src/index.js";
import * as pgqrs from "../../src/index.js";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKENDS, type BackendName, uniqueName } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

describe.each(BACKENDS)("admin worker reads on %s", (name: BackendName) => {
  let store: Store;
  let b: StoreBackend;
  let t: (ms?: number) => Date;

  beforeAll(async () => {
    store = (await openTestStore(name)).store;
    b = store.context.backend;
    const base = store.clock.now().getTime() - 3_600_000;
    t = (ms = 0) => new Date(base + ms);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function put(queueId: number, n: number, at: Date) {
    const payloads = Array.from({ length: n }, (_, i) => JSON.stringify(i));
    return b.enqueue({ queueId, payloads, producerWorkerId: null, enqueuedAt: at, visibleAt: at });
  }

  it("queueWorkerCounts and workerStats: counts by status and held messages in one statement", async () => {
    const q = await b.createQueue({ name: uniqueName("q"), now: t() });
    const other = await b.createQueue({ name: uniqueName("q"), now: t() });
    const a = await b.registerWorker({ name: uniqueName("a"), queueId: q.id, now: t(1_000) });
    const p = await b.registerWorker({ name: uniqueName("p"), queueId: q.id, now: t(2_000) });
    const s = await b.registerWorker({ name: uniqueName("s"), queueId: q.id, now: t(3_000) });
    const x = await b.registerWorker({ name: uniqueName("x"), queueId: q.id, now: t(4_000) });
    const elsewhere = await b.registerWorker({ name: uniqueName("e"), queueId: other.id, now: t() });
    await b.transitionWorker({ id: p.id, from: ["ready"], to: "polling", now: t(5_000) });
    await b.transitionWorker({ id: s.id, from: ["ready"], to: "suspended", now: t(5_000) });
    await b.transitionWorker({ id: x.id, from: ["ready"], to: "suspended", now: t(5_000) });
    await b.transitionWorker({ id: x.id, from: ["suspended"], to: "stopped", now: t(5_000) });
    await b.heartbeat({ id: p.id, now: t(9_000) });
    await put(q.id, 4, t(6_000));
    await put(other.id, 2, t(6_000));
    const take = (workerId: number, queueId: number, limit: number) =>
      b.dequeue({ queueId, workerId, limit, leaseMs: 60_000, now: t(7_000), maxReadCt: 5 });
    const [held1, , archived] = await take(a.id, q.id, 3);
    await take(p.id, q.id, 1);
    await take(elsewhere.id, other.id, 2);
    await b.archive({ ids: [archived!.id], workerId: a.id, now: t(8_000) });
    expect(held1).toBeDefined();

    expect(await b.queueWorkerCounts({ queueId: q.id })).toEqual({
      total: 4,
      ready: 1,
      polling: 1,
      interrupted: 0,
      suspended: 1,
      stopped: 1,
      heldMessages: 3,
      oldestStartedAt: t(1_000),
      newestHeartbeatAt: t(9_000),
    });
    const empty = await b.createQueue({ name: uniqueName("q"), now: t() });
    expect(await b.queueWorkerCounts({ queueId: empty.id })).toEqual({
      total: 0,
      ready: 0,
      polling: 0,
      interrupted: 0,
      suspended: 0,
      stopped: 0,
      heldMessages: 0,
      oldestStartedAt: null,
      newestHeartbeatAt: null,
    });

    const perWorker = vi.spyOn(b, "countHeldMessages");
    const listWorkers = vi.spyOn(b, "listWorkers");
    const statements = vi.spyOn(pg.Client.prototype, "query");
    const now = store.clock.now().getTime();
    expect(await pgqrs.admin(store).workerStats(q)).toEqual({
      totalWorkers: 4,
      readyWorkers: 1,
      pollingWorkers: 1,
      interruptedWorkers: 0,
      suspendedWorkers: 1,
      stoppedWorkers: 1,
      averageMessagesPerWorker: 3 / 4,
      oldestWorkerAgeMs: now - t(1_000).getTime(),
      newestHeartbeatAgeMs: now - t(9_000).getTime(),
    });
    expect(perWorker).not.toHaveBeenCalled();
    expect(listWorkers).not.toHaveBeenCalled();
    if (name === "postgres") expect(statements).toHaveBeenCalledTimes(1);
  });

  it("getWorkerMessages pages with limit and offset, newest first, and covers every message", async () => {
    const q = await b.createQueue({ name: uniqueName("q"), now: t() });
    const w = await b.registerWorker({ name: uniqueName("w"), queueId: q.id, now: t() });
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(...(await put(q.id, 1, t(i))));
    await b.dequeue({ queueId: q.id, workerId: w.id, limit: 5, leaseMs: 60_000, now: t(10), maxReadCt: 5 });
    await b.archive({ ids: [sent[0]!.id], workerId: w.id, now: t(20) });
    const admin = pgqrs.admin(store);
    const newestFirst = sent.map((m) => m.id).reverse();
    const pages = [
      await admin.getWorkerMessages(w.id, { limit: 2 }),
      await admin.getWorkerMessages(w.id, { limit: 2, offset: 2 }),
      await admin.getWorkerMessages(w.id, { limit: 2, offset: 4 }),
    ];
    expect(pages.map((page) => page.map((m) => m.id))).toEqual([
      newestFirst.slice(0, 2),
      newestFirst.slice(2, 4),
      newestFirst.slice(4),
    ]);
    expect(await admin.getWorkerMessages(w.id, { limit: 2, offset: 6 })).toEqual([]);
    expect((await admin.getWorkerMessages(w.id)).map((m) => m.id)).toEqual(newestFirst);
  });
});
