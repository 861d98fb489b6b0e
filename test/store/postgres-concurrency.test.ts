/**
 * Postgres under real concurrency: SKIP LOCKED claims by parallel dequeuers archive every message exactly once,
 * and racing creators of one workflow, run, step attempt or worker name end with one winner. Runs against a real
 * server.
 */
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import { postgresDsn } from "../support/backends.js";
import { usePostgresSpecificBackends } from "./postgres-specific-support.js";

const { backend, freshSchema } = usePostgresSpecificBackends();

describe("concurrent drain", () => {
  let store: StoreBackend;
  let queueId: number;
  const TOTAL = 2_000;
  const CONSUMERS = 8;

  beforeAll(async () => {
    store = await backend(freshSchema(), { maxConnections: CONSUMERS + 2 });
    await store.install();
    const now = new Date();
    queueId = (await store.createQueue({ name: "drain", now })).id;
    const payloads = Array.from({ length: TOTAL }, (_, i) => JSON.stringify({ i }));
    for (let i = 0; i < TOTAL; i += 500) {
      await store.enqueue({
        queueId,
        payloads: payloads.slice(i, i + 500),
        producerWorkerId: null,
        enqueuedAt: now,
        visibleAt: now,
      });
    }
  });

  it("archives every message exactly once with 8 parallel dequeuers", async () => {
    const seen = new Map<number, number>();
    const leasedNow = new Set<number>();
    const now = new Date();
    const consumer = async (n: number): Promise<number> => {
      const worker = await store.registerWorker({ name: `drainer-${n}`, queueId, now });
      let archived = 0;
      for (;;) {
        const batch = await store.dequeue({
          queueId,
          workerId: worker.id,
          limit: 10,
          leaseMs: 60_000,
          now,
          maxReadCt: 5,
        });
        if (batch.length === 0) return archived;
        for (const m of batch) {
          // While this lease holds, nobody else may have the message.
          expect(leasedNow.has(m.id)).toBe(false);
          leasedNow.add(m.id);
          seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
        }
        const ok = await store.archive({ ids: batch.map((m) => m.id), workerId: worker.id, now });
        expect(ok.every(Boolean)).toBe(true);
        archived += ok.length;
        for (const m of batch) leasedNow.delete(m.id);
      }
    };
    const counts = await Promise.all(Array.from({ length: CONSUMERS }, (_, n) => consumer(n)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect(seen.size).toBe(TOTAL);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(await store.countMessages({ queueId, state: "archived" })).toBe(TOTAL);
    expect(await store.countMessages({ queueId })).toBe(0);
  });
});

describe("races", () => {
  let store: StoreBackend;
  const now = new Date("2030-01-01T00:00:00.000Z");

  beforeAll(async () => {
    store = await backend(freshSchema(), { maxConnections: 8 });
    await store.install();
  });

  it("concurrent createWorkflow calls of one name return one definition", async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => store.createWorkflow({ name: "raced", now })));
    expect(new Set(all.map((w) => w.id)).size).toBe(1);
    expect((await store.listQueues()).filter((q) => q.queueName === "raced")).toHaveLength(1);
  });

  it("concurrent getOrCreateRun calls of one message return one run", async () => {
    const wf = await store.createWorkflow({ name: "runs-raced", now });
    const [m] = await store.enqueue({
      queueId: wf.queueId,
      payloads: ['{"input":1}'],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    const runs = await Promise.all(Array.from({ length: 6 }, () => store.getOrCreateRun({ message: m!, now })));
    expect(new Set(runs.map((r) => r.id)).size).toBe(1);
    expect(await store.countRuns({ workflowId: wf.id })).toBe(1);
  });

  it("of racers for a retry-ready step exactly one acquires, and all see the committed RUNNING row", async () => {
    const wf = await store.createWorkflow({ name: "steps-raced", now });
    const [m] = await store.enqueue({
      queueId: wf.queueId,
      payloads: ['{"input":2}'],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    const run = await store.getOrCreateRun({ message: m!, now });
    await store.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now });
    await store.failStep({ runId: run.id, stepName: "s", now, error: '"boom"', retryAt: now, retryCount: 1 });
    // Exactly one racer moves ERROR → RUNNING; the others lose the row lock and must report the winner's committed
    // row, not the ERROR version their statement snapshot still sees.
    const later = new Date(now.getTime() + 1);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: later })),
    );
    expect(results.every((r) => r.step.status === "RUNNING" && r.step.retryAt === null)).toBe(true);
    expect(results.every((r) => r.step.retryCount === 1 && r.step.error === null)).toBe(true);
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect(new Set(results.map((r) => r.step.id)).size).toBe(1);
  });

  it("concurrent registrations of one name: one worker, the rest VALIDATION_FAILED", async () => {
    const q = await store.createQueue({ name: "reg-raced", now });
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, () => store.registerWorker({ name: "same-name", queueId: q.id, now })),
    );
    const won = settled.filter((s) => s.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const s of settled) {
      if (s.status === "rejected") expect(s.reason).toMatchObject({ code: "VALIDATION_FAILED" });
    }
  });

  it("two schemas sharing one pool keep their prepared statements apart", async () => {
    const pool = new pg.Pool({ connectionString: postgresDsn(), max: 1 });
    try {
      const opts = { pool, maxConnections: 1, connectionTimeoutMs: 5_000 };
      const a = await createPostgresBackend({ ...opts, schema: freshSchema() });
      const b = await createPostgresBackend({ ...opts, schema: freshSchema() });
      await a.install();
      await b.install();
      for (const s of [a, b, a, b]) {
        const q = (await s.getQueueByName("p")) ?? (await s.createQueue({ name: "p", now }));
        await s.enqueue({ queueId: q.id, payloads: ["1"], producerWorkerId: null, enqueuedAt: now, visibleAt: now });
      }
      expect(await a.countMessages({})).toBe(2);
      expect(await b.countMessages({})).toBe(2);
    } finally {
      await pool.end();
    }
  });
});
