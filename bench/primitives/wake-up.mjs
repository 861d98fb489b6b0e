/**
 * Wake-up latency of `send` → `recv`: a run waits in `run.recv("ping", "ping")` (PAUSED, no slot held) on an idle
 * worker in this process; the bench sends from another store (its own pool, as another process would) and measures
 * from just before the `pgqrs.send` call to the workflow's next statement after `recv` returned (both
 * `performance.now()` in this process). One fresh run per sample, so no sample replays earlier ones.
 */
import * as pgqrs from "../../dist/index.js";
import { now, percentile, sleep, waitUntil } from "../lib/stats.mjs";
import { openCountedStore, pollUntil, probeClient, table } from "./common.mjs";

export async function wakeUpLatency({ dsn, count, gapMs, log = () => undefined }) {
  const db = await openCountedStore(dsn, { maxConnections: 4, tag: "wake" });
  const client = await probeClient(dsn);
  const stop = new AbortController();
  let worker;
  try {
    const runIds = new Map();
    const woke = new Map();
    const entered = new Map();
    /** The worker store's statement count when `recv` returned. */
    const wokeAt = new Map();
    const wf = pgqrs.defineWorkflow({ name: "bench_recv" }, async (run, input) => {
      runIds.set(input, run.id);
      entered.set(input, now());
      const m = await run.recv("ping", "ping");
      woke.set(input, now());
      wokeAt.set(input, db.counter.statements);
      return m;
    });
    await pgqrs.workflow().name(wf).create(db.store);
    const consumer = await db.store.consumer(wf.name);
    worker = pgqrs
      .workflow()
      .name(wf)
      .consumer(consumer)
      .signal(stop.signal)
      .onError((err) => log(`  ! wake-up worker: ${err instanceof Error ? err.message : String(err)}`))
      .poll(db.store);
    const sender = await db.other();
    await pgqrs.workflow().name(wf).create(sender);
    const runsTable = table(db.schema, "pgqrs_workflow_runs");
    const commitP50 = await durableCommitP50(client, table(db.schema, "bench_commit_probe"));
    await sleep(300);
    const latencies = [];
    const sendMs = [];
    const toReplayMs = [];
    const workerStatements = [];
    for (let i = 0; i < count; i++) {
      await pgqrs.workflow().name(wf).trigger(i).execute(sender);
      await waitUntil(() => runIds.has(i), 10_000, 1);
      const runId = runIds.get(i);
      if (runId === undefined) throw new Error(`run ${i} did not start within 10 s`);
      const status = async () =>
        (await client.query(`SELECT status FROM ${runsTable} WHERE id OPERATOR(pg_catalog.=) $1`, [runId])).rows[0]
          ?.status;
      await pollUntil(status, (st) => st === "PAUSED", { limitMs: 10_000, stepMs: 1, what: `run ${runId} in recv` });
      await sleep(gapMs); // the worker idles
      const before = db.counter.statements;
      const t = now();
      await pgqrs.send(sender, runId, "ping", { i });
      sendMs.push(now() - t);
      if (!(await waitUntil(() => woke.has(i), 10_000, 1))) throw new Error(`run ${runId} not woken within 10 s`);
      latencies.push(woke.get(i) - t);
      // The run ends before the next is triggered: the worker is idle again, not claiming a new trigger while it
      // archives this one.
      await pollUntil(status, (st) => st === "SUCCESS", { limitMs: 10_000, stepMs: 1, what: `run ${runId} to end` });
      toReplayMs.push(entered.get(i) - t);
      workerStatements.push(wokeAt.get(i) - before);
    }
    const [p50, p99] = [0.5, 0.99].map((p) => percentile(latencies, p));
    log(
      `  primitives: send → recv p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (send call alone p50 ${percentile(sendMs, 0.5).toFixed(2)} ms; ${count} runs)`,
    );
    return {
      count,
      gapMs,
      p50,
      p90: percentile(latencies, 0.9),
      p99,
      max: Math.max(...latencies),
      /** Samples slower than 100 ms: woken by a poll rather than by the notification. */
      over100Ms: latencies.filter((l) => l > 100).length,
      sendP50: percentile(sendMs, 0.5),
      /** A durable single-row INSERT from node-postgres on the same database, p50 (the unit of what a wake-up costs). */
      commitP50,
      /** From the send to the replay entering the workflow function (notification, claim, run start). */
      toReplayP50: percentile(toReplayMs, 0.5),
      /** Statements the worker's store sent from the send to the `recv` returning (median). */
      workerStatements: percentile(workerStatements, 0.5),
    };
  } finally {
    stop.abort();
    await worker?.catch(() => undefined);
    await client.end().catch(() => undefined);
    await db.close();
  }
}

/** p50 of 50 single-row INSERTs, each its own durable commit, into a scratch table of the scenario's schema. */
async function durableCommitP50(client, probe) {
  await client.query(`CREATE TABLE ${probe} (id bigserial PRIMARY KEY, v int NOT NULL)`);
  const ms = [];
  for (let i = 0; i < 50; i++) {
    const t = now();
    await client.query(`INSERT INTO ${probe} (v) VALUES ($1)`, [i]);
    ms.push(now() - t);
  }
  await client.query(`DROP TABLE ${probe}`);
  return percentile(ms, 0.5);
}
