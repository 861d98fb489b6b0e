/** pgqrs, the library under test, imported from this repository's build (`npm run build` first). */
import { setMaxListeners } from "node:events";
import * as pgqrs from "../../dist/index.js";
import { concurrentCallers } from "../lib/callers.mjs";
import { dropSchemas, sql } from "../lib/postgres.mjs";
import { now, percentile, sleep, waitUntil, wallMs } from "../lib/stats.mjs";

let seq = 0;

async function open(dsn, maxConnections) {
  const schema = `bench_pgqrs_${process.pid}_${++seq}`;
  const store = await pgqrs.connect(dsn, { schema, maxConnections });
  await pgqrs.admin(store).install();
  let closed = false;
  return {
    store,
    schema,
    /** Close the store (its sessions report their table statistics as they end); the schema stays. */
    closeStore: async () => {
      if (closed) return;
      closed = true;
      await store.close();
    },
    close: async () => {
      if (!closed) await store.close();
      closed = true;
      await dropSchemas(dsn, [schema]);
    },
  };
}

/** Enqueue `n` payloads in batches of 1,000 (one insert each); returns jobs/s. */
async function prefill(store, queue, n) {
  const producer = await store.producer(queue);
  const t0 = now();
  for (let i = 0; i < n; i += 1000) {
    const len = Math.min(1000, n - i);
    await producer.enqueueBatch(Array.from({ length: len }, (_, j) => ({ kind: "benchmark", i: i + j })));
  }
  return (n / (now() - t0)) * 1000;
}

export function pgqrsSystem(dsn) {
  return {
    name: "pgqrs",
    /**
     * `consumers` (default 1): that many consumers of one store compete for the queue, each with its own loop at
     * `.concurrency(k / consumers)`; with 1, one loop at `.concurrency(k)`.
     */
    async drain({ n, k, b, limitMs, consumers = 1 }) {
      const db = await open(dsn, k + 2);
      try {
        await db.store.queue("drain");
        const prefillPerSec = await prefill(db.store, "drain", n);
        const workers = await Promise.all(Array.from({ length: consumers }, () => db.store.consumer("drain")));
        let processed = 0;
        const stop = new AbortController();
        setMaxListeners(consumers + 10, stop.signal);
        const t0 = now();
        const loops = workers.map((consumer) => {
          const builder = pgqrs
            .dequeue()
            .worker(consumer)
            .batch(b)
            .concurrency(Math.max(1, Math.round(k / consumers)))
            .signal(stop.signal);
          return (
            b === 1
              ? builder.handle(async () => {
                  processed += 1;
                })
              : builder.handleBatch(async (ms) => {
                  processed += ms.length;
                })
          ).poll(db.store);
        });
        const finished = await waitUntil(() => processed >= n, limitMs, 1);
        const elapsed = now() - t0;
        stop.abort();
        await Promise.all(loops);
        let bloat;
        if (k === 16 && b === 50 && consumers === 1) {
          await db.closeStore();
          bloat = await deadTuples(dsn, db.schema);
        }
        return { prefillPerSec, perSec: (processed / elapsed) * 1000, processed, capped: !finished, bloat };
      } finally {
        await db.close();
      }
    },

    async enqueue({ n, limitMs = Number.POSITIVE_INFINITY }) {
      const db = await open(dsn, 2);
      try {
        await db.store.queue("enq");
        const producer = await db.store.producer("enq");
        const t0 = now();
        const deadline = t0 + limitMs;
        let i = 0;
        for (; i < n && now() < deadline; i++) await producer.enqueue({ kind: "benchmark", i });
        return { perSec: (i / (now() - t0)) * 1000, capped: i < n, done: i };
      } finally {
        await db.close();
      }
    },

    /** `callers` async callers sharing one producer, each awaiting its own `enqueue()` (issue 21). */
    async enqueueConcurrent({ n, callers, limitMs = Number.POSITIVE_INFINITY }) {
      const db = await open(dsn, callers + 1);
      try {
        await db.store.queue("enq");
        const producer = await db.store.producer("enq");
        return await concurrentCallers({ n, callers, limitMs }, (i) => producer.enqueue({ kind: "benchmark", i }));
      } finally {
        await db.close();
      }
    },

    async pickup({ count, gapMs, warmup = 0 }) {
      const db = await open(dsn, 4);
      try {
        await db.store.queue("pickup");
        const producer = await db.store.producer("pickup");
        const consumer = await db.store.consumer("pickup");
        const latencies = [];
        const stop = new AbortController();
        const loop = pgqrs
          .dequeue()
          .worker(consumer)
          .signal(stop.signal)
          .handle(async (m) => {
            if (m.payload.warmup !== true) latencies.push(wallMs() - m.payload.t);
          })
          .poll(db.store);
        await sleep(300); // idle workers
        // Warm-up jobs, not measured (as every system's): the first ones prepare this round's statements.
        for (let i = 0; i < warmup; i++) {
          await producer.enqueue({ t: wallMs(), warmup: true });
          await sleep(gapMs);
        }
        const enqueueMs = [];
        for (let i = 0; i < count; i++) {
          const t = wallMs();
          await producer.enqueue({ t });
          enqueueMs.push(wallMs() - t);
          await sleep(gapMs);
        }
        await waitUntil(() => latencies.length >= count, 10_000);
        stop.abort();
        await loop;
        return { latencies, enqueueMs };
      } finally {
        await db.close();
      }
    },

    async workflow({ runs, concurrency, limitMs, warmup = 0 }) {
      const db = await open(dsn, concurrency + 2);
      try {
        const latencies = [];
        const name = "bench_wf";
        const wf = pgqrs.defineWorkflow({ name }, async (run, input) => {
          const t0 = now();
          const a = await pgqrs.workflowStep(run, "one", async () => input + 1);
          const b = await pgqrs.workflowStep(run, "two", async () => a * 2);
          const c = await pgqrs.workflowStep(run, "three", async () => b - 1);
          latencies.push(now() - t0);
          return c;
        });
        await pgqrs.workflow().name(wf).create(db.store);
        const consumer = await db.store.consumer(name);
        const worker = pgqrs.workflow().name(wf).consumer(consumer).concurrency(concurrency).poll(db.store);
        await sleep(200);
        // Warm-up runs, not timed (as DBOS's): this round's new connections plan their statements first.
        for (let i = 0; i < warmup; i++) await pgqrs.workflow().name(wf).trigger(i).execute(db.store);
        await waitUntil(() => latencies.length >= warmup, limitMs, 2);
        latencies.length = 0;
        // Triggered through the queue while the worker runs, one trigger (one insert) at a time, as DBOS is.
        const t0 = now();
        for (let i = 0; i < runs; i++) await pgqrs.workflow().name(wf).trigger(i).execute(db.store);
        const finished = await waitUntil(() => latencies.length >= runs, limitMs, 2);
        const elapsed = now() - t0;
        await consumer.interrupt();
        await worker;
        return { perSec: (latencies.length / elapsed) * 1000, p50: percentile(latencies, 0.5), capped: !finished };
      } finally {
        await db.close();
      }
    },
  };
}

/**
 * Dead and live tuples of the message table after a drain. The store's sessions have ended, so their counts are
 * in the shared statistics (PostgreSQL 15 flushes a session's counts at its end or at most once a second).
 */
async function deadTuples(dsn, schema) {
  await sleep(1200);
  const [row] = await sql(
    dsn,
    `SELECT n_live_tup, n_dead_tup, autovacuum_count, n_tup_upd, n_tup_hot_upd
       FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'pgqrs_messages'`,
    [schema],
  );
  return row === undefined
    ? undefined
    : Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)]));
}
