/**
 * graphile-worker: jobs in its own schema, LISTEN/NOTIFY wake-up. Batch B maps to its local queue (jobs fetched
 * B at a time) with completions batched (`completeJobBatchDelay: 0`); K is `concurrentJobs`.
 */
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import { concurrentCallers } from "../lib/callers.mjs";
import { dropSchemas } from "../lib/postgres.mjs";
import { now, sleep, waitUntil, wallMs } from "../lib/stats.mjs";

const silent = new Logger(() => () => undefined);
let seq = 0;

async function utilsFor(dsn, maxPoolSize) {
  const schema = `bench_gw_${process.pid}_${++seq}`;
  const options = { connectionString: dsn, schema, logger: silent };
  if (maxPoolSize !== undefined) options.maxPoolSize = maxPoolSize;
  const utils = await makeWorkerUtils(options);
  await utils.migrate();
  return { schema, utils };
}

function start(dsn, schema, k, b, task) {
  const worker = {
    connectionString: dsn,
    schema,
    logger: silent,
    concurrentJobs: k,
    maxPoolSize: k + 4,
    pollInterval: 2000,
  };
  if (b > 1) {
    worker.localQueue = { size: b };
    worker.completeJobBatchDelay = 0;
  }
  return run({ noHandleSignals: true, logger: silent, preset: { worker }, taskList: { job: task } });
}

export function graphileSystem(dsn) {
  return {
    name: "graphile-worker",
    /** `consumers` (default 1): that many runners (each its own pool and local queue) at `concurrentJobs` k / consumers. */
    async drain({ n, k, b, limitMs, consumers = 1 }) {
      const { schema, utils } = await utilsFor(dsn);
      try {
        const t0 = now();
        for (let i = 0; i < n; i += 1000) {
          const len = Math.min(1000, n - i);
          await utils.addJobs(
            Array.from({ length: len }, (_, j) => ({ identifier: "job", payload: { kind: "benchmark", i: i + j } })),
          );
        }
        const prefillPerSec = (n / (now() - t0)) * 1000;
        let processed = 0;
        const start0 = now();
        const runners = await Promise.all(
          Array.from({ length: consumers }, () =>
            start(dsn, schema, Math.max(1, Math.round(k / consumers)), b, async () => {
              processed += 1;
            }),
          ),
        );
        const finished = await waitUntil(() => processed >= n, limitMs, 1);
        const elapsed = now() - start0;
        await Promise.all(runners.map((r) => r.stop()));
        return { prefillPerSec, perSec: (processed / elapsed) * 1000, processed, capped: !finished };
      } finally {
        await utils.release();
        await dropSchemas(dsn, [schema]);
      }
    },

    async enqueue({ n, limitMs = Number.POSITIVE_INFINITY }) {
      const { schema, utils } = await utilsFor(dsn);
      try {
        const t0 = now();
        const deadline = t0 + limitMs;
        let i = 0;
        for (; i < n && now() < deadline; i++) await utils.addJob("job", { kind: "benchmark", i });
        return { perSec: (i / (now() - t0)) * 1000, capped: i < n, done: i };
      } finally {
        await utils.release();
        await dropSchemas(dsn, [schema]);
      }
    },

    /** `callers` async callers sharing one WorkerUtils (a pool of `callers` connections), each awaiting its own `addJob`. */
    async enqueueConcurrent({ n, callers, limitMs = Number.POSITIVE_INFINITY }) {
      const { schema, utils } = await utilsFor(dsn, callers);
      try {
        return await concurrentCallers({ n, callers, limitMs }, (i) => utils.addJob("job", { kind: "benchmark", i }));
      } finally {
        await utils.release();
        await dropSchemas(dsn, [schema]);
      }
    },

    async pickup({ count, gapMs, warmup = 0 }) {
      const { schema, utils } = await utilsFor(dsn);
      const latencies = [];
      const runner = await start(dsn, schema, 1, 1, async (payload) => {
        if (payload.warmup !== true) latencies.push(wallMs() - payload.t);
      });
      try {
        await sleep(300);
        for (let i = 0; i < warmup; i++) {
          await utils.addJob("job", { t: wallMs(), warmup: true });
          await sleep(gapMs);
        }
        for (let i = 0; i < count; i++) {
          await utils.addJob("job", { t: wallMs() });
          await sleep(gapMs);
        }
        await waitUntil(() => latencies.length >= count, 10_000);
        return { latencies };
      } finally {
        await runner.stop();
        await utils.release();
        await dropSchemas(dsn, [schema]);
      }
    },
  };
}
