/**
 * DBOS Transact: a 3-step workflow started through a DBOS workflow queue with concurrency 16, on its own system
 * database schema. DBOS keeps one global runtime per process, so it is launched once for all rounds.
 */
import { DBOS } from "@dbos-inc/dbos-sdk";
import { now, percentile, waitUntil } from "../lib/stats.mjs";

let launched;
let latencies = [];
let done = 0;

async function launch(dsn, concurrency) {
  if (launched !== undefined) return launched;
  DBOS.setConfig({
    name: "pgqrs-bench",
    systemDatabaseUrl: dsn,
    systemDatabaseSchemaName: `bench_dbos_${process.pid}`,
    systemDatabasePoolSize: concurrency + 4,
    logLevel: "error",
  });
  const step = (fn) => DBOS.runStep(fn);
  const wf = DBOS.registerWorkflow(
    async (input) => {
      const t0 = now();
      const a = await step(async () => input + 1);
      const b = await step(async () => a * 2);
      const c = await step(async () => b - 1);
      latencies.push(now() - t0);
      done += 1;
      return c;
    },
    { name: "bench_wf" },
  );
  await DBOS.launch();
  const queue = await DBOS.registerQueue(`bench_q_${process.pid}`, { concurrency, minPollingIntervalMs: 10 });
  launched = { wf, queue };
  return launched;
}

export function dbosSystem(dsn) {
  return {
    name: "DBOS",
    async workflow({ runs, concurrency, limitMs, warmup = 0 }) {
      const { wf, queue } = await launch(dsn, concurrency);
      // Warm-up runs, not timed, as pgqrs's.
      done = 0;
      for (let i = 0; i < warmup; i++) await DBOS.startWorkflow(wf, { queueName: queue.name })(i);
      await waitUntil(() => done >= warmup, limitMs, 2);
      latencies = [];
      done = 0;
      const t0 = now();
      for (let i = 0; i < runs; i++) await DBOS.startWorkflow(wf, { queueName: queue.name })(i);
      const finished = await waitUntil(() => done >= runs, limitMs, 2);
      const elapsed = now() - t0;
      return { perSec: (done / elapsed) * 1000, p50: percentile(latencies, 0.5), capped: !finished };
    },
    async close() {
      if (launched !== undefined) await DBOS.shutdown();
    },
  };
}
