/**
 * pg-boss 10: K `work()` loops on one queue, each fetching B jobs per poll, at pg-boss's shortest polling interval
 * (0.5 s). pg-boss polls only (no LISTEN), so its drain at B=1 is bound by the interval; its runs are time-capped.
 */
import PgBoss from "pg-boss";
import { dropSchemas } from "../lib/postgres.mjs";
import { now, sleep, waitUntil, wallMs } from "../lib/stats.mjs";

let seq = 0;

async function open(dsn, max) {
  const schema = `bench_boss_${process.pid}_${++seq}`;
  const boss = new PgBoss({ connectionString: dsn, schema, max, supervise: false, schedule: false });
  boss.on("error", () => undefined);
  await boss.start();
  await boss.createQueue("job");
  return {
    boss,
    close: async () => {
      await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => undefined);
      await dropSchemas(dsn, [schema]);
    },
  };
}

export function pgbossSystem(dsn) {
  return {
    name: "pg-boss",
    async drain({ n, k, b, limitMs }) {
      const { boss, close } = await open(dsn, k + 4);
      try {
        const t0 = now();
        for (let i = 0; i < n; i += 1000) {
          const len = Math.min(1000, n - i);
          await boss.insert(
            Array.from({ length: len }, (_, j) => ({ name: "job", data: { kind: "benchmark", i: i + j } })),
          );
        }
        const prefillPerSec = (n / (now() - t0)) * 1000;
        let processed = 0;
        const start = now();
        for (let w = 0; w < k; w++) {
          await boss.work("job", { batchSize: b, pollingIntervalSeconds: 0.5 }, async (jobs) => {
            processed += jobs.length;
          });
        }
        const finished = await waitUntil(() => processed >= n, limitMs, 1);
        const elapsed = now() - start;
        await boss.offWork("job");
        return { prefillPerSec, perSec: (processed / elapsed) * 1000, processed, capped: !finished };
      } finally {
        await close();
      }
    },

    async enqueue({ n, limitMs = Number.POSITIVE_INFINITY }) {
      const { boss, close } = await open(dsn, 4);
      try {
        const t0 = now();
        const deadline = t0 + limitMs;
        let i = 0;
        for (; i < n && now() < deadline; i++) await boss.send("job", { kind: "benchmark", i });
        return { perSec: (i / (now() - t0)) * 1000, capped: i < n, done: i };
      } finally {
        await close();
      }
    },

    // No warm-up jobs here (run.mjs passes `warmup`): pg-boss fetches one job per poll (0.5 s) at batch size 1, so
    // warm-up jobs would only queue ahead of the measured ones, and its pickup is its polling, not its first jobs.
    async pickup({ count, gapMs }) {
      const { boss, close } = await open(dsn, 4);
      const latencies = [];
      try {
        await boss.work("job", { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const j of jobs) latencies.push(wallMs() - j.data.t);
        });
        await sleep(300);
        for (let i = 0; i < count; i++) {
          await boss.send("job", { t: wallMs() });
          await sleep(gapMs);
        }
        await waitUntil(() => latencies.length >= count, 10_000);
        await boss.offWork("job");
        return { latencies };
      } finally {
        await close();
      }
    },
  };
}
