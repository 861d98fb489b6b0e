/**
 * DBOS Transact: a 3-step workflow started through a DBOS workflow queue with concurrency 16, on its own system
 * database schema. DBOS keeps one global runtime per process: its workflow and queue are registered once, and the
 * runtime is launched for each round and shut down after it, so its queue poller (a query every 10 ms) and other
 * background loops do not run on the database and in this process while other systems are measured.
 */
import { DBOS } from "@dbos-inc/dbos-sdk";
import { now, percentile, waitUntil } from "../lib/stats.mjs";

let registered;
let running = false;
let latencies = [];
let done = 0;

/** Registers the workflow and the queue once per process, and launches the runtime when it is not running. */
async function launch(dsn, concurrency) {
  if (registered !== undefined) {
    if (!running) await DBOS.launch();
    running = true;
    return registered;
  }
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
  running = true;
  // The queue is registered on a launched runtime and outlives its shutdown.
  const queue = await DBOS.registerQueue(`bench_q_${process.pid}`, { concurrency, minPollingIntervalMs: 10 });
  registered = { wf, queue };
  return registered;
}

/** Shuts the runtime down until the next round. */
async function shutdown() {
  if (!running) return;
  running = false;
  await DBOS.shutdown();
}

export function dbosSystem(dsn) {
  return {
    name: "DBOS",
    async workflow({ runs, concurrency, limitMs, warmup = 0 }) {
      const { wf, queue } = await launch(dsn, concurrency);
      try {
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
      } finally {
        await shutdown();
      }
    },
    async close() {
      await shutdown();
    },
  };
}
