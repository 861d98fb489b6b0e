/**
 * The paged reads the dashboard renders from (Store contract: queueMetricsPage, metricsTotals, completedPerMinute,
 * listWorkflowsPage, countRunsByStatus, countZombies, workerActivity, get…ByIds) agree with the unpaged reads they
 * replace, on both backends: same numbers, most pending first, a case-insensitive name search, a page past the end
 * still counting the matches, and zombies exactly as `listZombies` sees them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PagedReads } from "../../src/api/paged-reads.js";
import { ManualClock } from "../../src/clock.js";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { WORKFLOW_STATUSES } from "../../src/index.js";
import { BACKENDS, dropSchema, freshDatabase } from "../support/backends.js";

describe.each(BACKENDS)("paged reads (%s)", (backend) => {
  const clock = new ManualClock(Date.parse("2026-06-01T12:00:00Z"));
  let store: Store;
  let reads: PagedReads;
  let zombieId = 0;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const { dsn, schema } = freshDatabase(backend);
    store = await pgqrs.connect(dsn, { schema, clock });
    cleanups.push(() => store.close());
    if (backend === "postgres") cleanups.push(() => dropSchema(schema));
    const admin = pgqrs.admin(store);
    await admin.install();
    reads = new PagedReads(store);

    // A worker that stops heartbeating while it holds two messages: a zombie ten minutes later.
    await admin.createQueue("Zeta_jobs");
    await (await store.producer("Zeta_jobs", "zeta-producer")).enqueueBatch([{ z: 1 }, { z: 2 }, { z: 3 }]);
    const stuck = await store.consumer("Zeta_jobs", "zeta-stuck");
    await stuck.dequeue({ batchSize: 2, vtSeconds: 3600 });
    zombieId = stuck.workerId();
    stuck.detach();
    clock.advance(10 * 60_000);

    for (const [name, n] of [
      ["alpha_mail", 5],
      ["Alpha_sms", 1],
      ["beta", 9],
      ["empty", 0],
    ] as const) {
      await admin.createQueue(name);
      const p = await store.producer(name, `p-${name}`);
      if (n > 0) await p.enqueueBatch(Array.from({ length: n }, (_, i) => ({ i })));
    }
    // Completions over several minutes, and one dead letter that must not count.
    const c = await store.consumer("beta", "beta-consumer");
    for (let minute = 0; minute < 3; minute += 1) {
      const [m] = await c.dequeue({ batchSize: 1, vtSeconds: 30 });
      if (m !== undefined) await c.archive(m.id);
      clock.advance(60_000);
    }
    for (const name of ["flow_one", "flow_two", "Other_flow"]) await store.createWorkflow(name);
    const fp = await store.producer("flow_one", "flow-producer");
    await fp.enqueueBatch([{ input: 1 }, { input: 2 }, { input: 3 }]);
    const fc = await store.consumer("flow_one", "flow-consumer");
    const got = await fc.dequeue({ batchSize: 2, vtSeconds: 600 });
    const [first] = got;
    for (const m of got) await (await store.run(m)).start();
    if (first !== undefined) await (await store.run(first)).complete({ ok: true });
  }, 120_000);

  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
  });

  it("pages queue metrics most pending first, equal to the per-queue metrics, with a case-insensitive search", async () => {
    const all = await pgqrs.admin(store).allQueuesMetrics();
    const page = await reads.queueMetricsPage({ limit: 3 });
    expect(page.matching).toBe(all.length);
    // Ties on pending (1 each) go to the queue with more unarchived messages: Zeta_jobs holds two leased ones.
    expect(page.rows.map((m) => m.name)).toEqual(["beta", "alpha_mail", "Zeta_jobs"]);
    for (const m of page.rows) expect(m).toEqual(all.find((a) => a.queueId === m.queueId));
    const pending = (await reads.queueMetricsPage({ limit: 100 })).rows.map((m) => m.pendingMessages);
    expect(pending).toEqual([...pending].sort((a, b) => b - a));

    const alpha = await reads.queueMetricsPage({ search: "ALPHA", limit: 1 });
    expect(alpha.matching).toBe(2);
    expect(alpha.rows.map((m) => m.name)).toEqual(["alpha_mail"]);
    const second = await reads.queueMetricsPage({ search: "alpha", limit: 1, offset: 1 });
    expect(second.rows.map((m) => m.name)).toEqual(["Alpha_sms"]);
    const beyond = await reads.queueMetricsPage({ search: "alpha", limit: 10, offset: 50 });
    expect(beyond).toEqual({ rows: [], matching: 2 });
    expect(await reads.queueMetricsPage({ search: "no such" })).toEqual({ rows: [], matching: 0 });
    // A search is text, never a pattern.
    expect((await reads.queueMetricsPage({ search: "%" })).matching).toBe(0);
    expect((await reads.queueMetricsPage({ search: "_" })).matching).toBe(
      all.filter((m) => m.name.includes("_")).length,
    );
  });

  it("totals equal the sum over every queue", async () => {
    const all = await pgqrs.admin(store).allQueuesMetrics();
    const sum = (k: "pendingMessages" | "delayedMessages" | "leasedMessages" | "archivedMessages" | "activeMessages") =>
      all.reduce((a, m) => a + m[k], 0);
    expect(await reads.metricsTotals()).toEqual({
      queues: all.length,
      workflows: 3,
      activeMessages: sum("activeMessages"),
      pendingMessages: sum("pendingMessages"),
      delayedMessages: sum("delayedMessages"),
      leasedMessages: sum("leasedMessages"),
      archivedMessages: sum("archivedMessages"),
      deadLetteredMessages: all.reduce((a, m) => a + m.deadLetteredMessages, 0),
    });
  });

  it("counts completions per minute, in total and per queue", async () => {
    const beta = await store.getQueue("beta");
    const flow = await store.getQueue("flow_one");
    const total = await reads.completedPerMinute();
    expect(total.every((r) => r.queueId === null)).toBe(true);
    let completed = 0;
    for (const q of await store.tables().queues().list()) {
      const archived = await store.tables().messages().listArchivedByQueue(q.id);
      completed += archived.filter((m) => m.deadLetteredAt === null).length;
    }
    expect(completed).toBeGreaterThanOrEqual(3);
    expect(total.reduce((a, r) => a + r.count, 0)).toBe(completed);
    expect(new Set(total.map((r) => r.minute)).size).toBe(total.length);
    const per = await reads.completedPerMinute({ queueIds: [beta.id, flow.id] });
    const betaRows = per.filter((r) => r.queueId === beta.id).sort((a, b) => a.minute - b.minute);
    expect(betaRows.map((r) => r.count)).toEqual([1, 1, 1]);
    expect(betaRows.map((r) => r.minute - (betaRows[0]?.minute ?? 0))).toEqual([0, 1, 2]);
    const flowDone = (await store.tables().messages().listArchivedByQueue(flow.id)).length;
    expect(per.filter((r) => r.queueId === flow.id).reduce((a, r) => a + r.count, 0)).toBe(flowDone);
    const minute = Math.floor(clock.now().getTime() / 60_000);
    expect(Math.max(...total.map((r) => r.minute))).toBeLessThanOrEqual(minute);
    expect(await reads.completedPerMinute({ queueIds: [] })).toEqual([]);
    expect(await reads.completedPerMinute({ minutes: 1, queueIds: [beta.id] })).toEqual([]);
  });

  it("pages workflow definitions by name with a search, and looks names up by id", async () => {
    const page = await reads.workflowsPage({ limit: 2 });
    expect(page.matching).toBe(3);
    const rest = await reads.workflowsPage({ limit: 2, offset: 2 });
    expect(rest.rows).toHaveLength(1);
    expect([...page.rows, ...rest.rows].map((w) => w.name).sort()).toEqual(["Other_flow", "flow_one", "flow_two"]);
    const found = await reads.workflowsPage({ search: "FLOW_T" });
    expect(found.rows.map((w) => w.name)).toEqual(["flow_two"]);
    const ids = (await store.tables().workflows().list()).map((w) => w.id);
    expect((await reads.workflowsByIds([...ids, 999_999])).map((w) => w.id)).toEqual([...ids].sort((a, b) => a - b));
    const q = await store.getQueue("beta");
    expect(await reads.queuesByIds([q.id, 999_999])).toEqual([q]);
    expect(await reads.queuesByIds([])).toEqual([]);
  });

  it("counts runs by status in one read", async () => {
    const runs = store.tables().workflowRuns();
    const counts = await reads.runCountsByStatus();
    for (const s of WORKFLOW_STATUSES) expect(counts[s], s).toBe(await runs.count({ status: s }));
    expect(counts.RUNNING + counts.SUCCESS).toBe(2);
    const wf = await store.tables().workflows().getByName("flow_two");
    expect(Object.values(await reads.runCountsByStatus({ workflowId: wf?.id ?? 0 })).every((n) => n === 0)).toBe(true);
  });

  it("sees zombies and held messages as listZombies and the message counts do", async () => {
    const admin = pgqrs.admin(store);
    // Ten minutes: the stuck worker's heartbeat is 13 minutes old, every other worker registered later.
    const threshold = 10 * 60_000;
    const zombies = await admin.listZombies({ olderThanMs: threshold });
    // The stuck consumer and the producer registered with it, before the clock moved on.
    expect(zombies.map((z) => z.id).sort((x, y) => x - y)).toEqual([zombieId - 1, zombieId]);
    expect(await reads.countZombies({ olderThanMs: threshold })).toBe(zombies.length);
    const workers = await store.tables().workers().list({ limit: 1000 });
    const activity = await reads.workerActivity({ workerIds: workers.map((w) => w.id), olderThanMs: threshold });
    expect(activity.map((a) => a.workerId)).toEqual(workers.map((w) => w.id).sort((a, b) => a - b));
    for (const a of activity) {
      expect(a.zombie, `worker ${a.workerId}`).toBe(zombies.some((z) => z.id === a.workerId));
      const held = await store.tables().messages().count({ consumerWorkerId: a.workerId, state: "active" });
      expect(a.heldMessages, `worker ${a.workerId}`).toBe(held);
    }
    expect(activity.find((a) => a.workerId === zombieId)?.heldMessages).toBe(2);
    expect(await reads.workerActivity({ workerIds: [], olderThanMs: threshold })).toEqual([]);
  });

  it("refuses malformed pages and ids", async () => {
    await expect(reads.queueMetricsPage({ limit: -1 })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await expect(reads.queuesByIds([2 ** 53 + 1])).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await expect(reads.countZombies({ olderThanMs: Number.NaN })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
