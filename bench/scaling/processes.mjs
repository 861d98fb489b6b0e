/**
 * One database, 1 to 8 worker processes (issue 21, item 3): for each process count n, n worker processes (each one
 * consumer loop, K=16 B=50, no-op handler) drain one shared queue for `windowMs`; jobs/s is what all of them
 * handled in that window (which opens 1.5 s after they start, every process at once), with the CPU time the workers
 * and the server used in it, in cores (the server's only when it runs on this machine). The queue is topped up to
 * `backlog` messages before each count, far more than a window drains, so no process ever waits for work. Counts run
 * in increasing order, then again in decreasing order (`rounds` passes alternating), and each count's figure is the
 * median of its passes.
 */
import os from "node:os";
import pg from "pg";
import { median, now, sleep } from "../lib/stats.mjs";
import { analyze, openSchema, serverCpuSeconds, topUp } from "./common.mjs";
import { spawnWorker } from "./spawn-worker.mjs";

const K = 16;
const B = 50;

/** Each pass lets its processes run this long before their window opens (connections, plans, JIT). */
const WARMUP_MS = 1_500;

async function onePass(dsn, db, queue, probe, { n, backlog, windowMs }) {
  await topUp(dsn, db.schema, queue.id, backlog);
  await analyze(dsn, db.schema);
  const workers = Array.from({ length: n }, () =>
    spawnWorker({
      dsn,
      schema: db.schema,
      queue: "scale",
      k: K,
      b: B,
      count: Number.MAX_SAFE_INTEGER,
      warmupMs: WARMUP_MS,
      windowMs,
    }),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (err) {
    for (const w of workers) w.kill();
    throw err;
  }
  for (const w of workers) w.go();
  // The server's CPU time over the window (when it runs on this machine), against the workers' own.
  await sleep(WARMUP_MS);
  const cpu0 = await serverCpuSeconds(probe);
  await sleep(windowMs);
  const cpu1 = await serverCpuSeconds(probe);
  const reports = await Promise.all(workers.map((w) => w.done));
  const handled = reports.map((r) => r.processed);
  const total = handled.reduce((a, x) => a + x, 0);
  const workersCpu = reports.reduce((a, r) => a + r.cpuMs, 0) / windowMs;
  const serverCpu = cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) * 1000) / windowMs;
  return { perSec: (total / windowMs) * 1000, handled, workersCpu, serverCpu };
}

export async function processScaling({ dsn, counts, backlog, windowMs, rounds, log }) {
  const db = await openSchema(dsn, "proc", { maxConnections: 2 });
  const probe = new pg.Client({ connectionString: dsn });
  await probe.connect();
  try {
    const queue = await db.store.queue("scale");
    const t0 = now();
    await topUp(dsn, db.schema, queue.id, backlog);
    log(`  scaling: ${backlog} messages written in ${((now() - t0) / 1000).toFixed(1)} s for the process runs`);
    const byCount = new Map(counts.map((n) => [n, []]));
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? counts : [...counts].reverse();
      for (const n of order) {
        const r = await onePass(dsn, db, queue, probe, { n, backlog, windowMs });
        byCount.get(n).push(r);
        log(
          `  scaling: ${n} worker process(es): ${Math.round(r.perSec)} jobs/s (each: ${r.handled.join(", ")}); CPU cores busy: workers ${r.workersCpu.toFixed(2)}, server ${r.serverCpu?.toFixed(2) ?? "?"}`,
        );
      }
    }
    return {
      k: K,
      b: B,
      cores: os.cpus().length,
      backlog,
      windowMs,
      rounds,
      counts: counts.map((n) => ({
        processes: n,
        perSec: median(byCount.get(n).map((r) => r.perSec)),
        workersCpu: median(byCount.get(n).map((r) => r.workersCpu)),
        serverCpu: median(byCount.get(n).map((r) => r.serverCpu)),
        passes: byCount.get(n).map((r) => Math.round(r.perSec)),
      })),
    };
  } finally {
    await probe.end();
    await db.close();
  }
}
