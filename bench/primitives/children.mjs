/**
 * Throughput of runs that each call one child: `runs` parent triggers are enqueued up front (batches of 1,000), then
 * one workflow worker per workflow (parent and child) in this process, each at concurrency K, runs them. runs/s from
 * the workers' start to the last parent's `callChild` returning. For scale, the same parents doing the child's work
 * as a step of their own (no child) are measured the same way, and so are parents that sleep once
 * (`run.sleep("nap", SLEEP_MS)`, PAUSED without a slot, woken by their message's visibility time) before that step.
 */
import * as pgqrs from "../../dist/index.js";
import { now, sleep, waitUntil } from "../lib/stats.mjs";
import { openCountedStore, probeClient, table } from "./common.mjs";

/** How long a run of the sleep-once mode sleeps, ms: long enough to pause it (its message is released), short
 * against the run. */
export const SLEEP_MS = 50;

export async function childThroughput({
  dsn,
  runs,
  concurrency,
  limitMs,
  withChild = true,
  sleepOnce = false,
  log = () => undefined,
}) {
  const db = await openCountedStore(dsn, { maxConnections: 2 * concurrency + 4, tag: "child" });
  const client = await probeClient(dsn);
  const stop = new AbortController();
  const workers = [];
  try {
    let done = 0;
    const child = pgqrs.defineWorkflow({ name: "bench_child" }, async (run, input) =>
      run.step("work", async () => input * 2),
    );
    const parent = pgqrs.defineWorkflow({ name: "bench_parent" }, async (run, input) => {
      if (sleepOnce) await run.sleep("nap", SLEEP_MS);
      const out = withChild
        ? await run.callChild("child", child, input)
        : await run.step("work", async () => input * 2);
      done += 1;
      return out;
    });
    for (const def of [parent, child]) await pgqrs.workflow().name(def).create(db.store);
    const producer = await db.store.producer(parent.name);
    for (let i = 0; i < runs; i += 1000) {
      const len = Math.min(1000, runs - i);
      await producer.enqueueBatch(Array.from({ length: len }, (_, j) => ({ input: i + j })));
    }
    const what = withChild
      ? "calling one child"
      : sleepOnce
        ? `sleeping once (${SLEEP_MS} ms), then one step`
        : "with one step, no child";
    const onError = (err) => log(`  ! callChild worker: ${err instanceof Error ? err.message : String(err)}`);
    const statements0 = db.counter.statements;
    const mix0 = new Map(db.counter.byStatement);
    const t0 = now();
    for (const def of withChild ? [parent, child] : [parent]) {
      const consumer = await db.store.consumer(def.name);
      workers.push(
        pgqrs
          .workflow()
          .name(def)
          .consumer(consumer)
          .concurrency(concurrency)
          .signal(stop.signal)
          .onError(onError)
          .poll(db.store),
      );
    }
    const finished = await waitUntil(() => done >= runs, limitMs, 2);
    const elapsed = now() - t0;
    const statementsPerRun = (db.counter.statements - statements0) / Math.max(1, done);
    const statementMix = Object.fromEntries(
      [...db.counter.byStatement]
        .map(([key, c]) => [key.replace(/^pgqrs_[0-9a-f]{12}_/, ""), (c - (mix0.get(key) ?? 0)) / Math.max(1, done)])
        .filter(([, c]) => c >= 0.05)
        .sort((a, b) => b[1] - a[1])
        .map(([key, c]) => [key, Number(c.toFixed(2))]),
    );
    // Every parent (and child) must end SUCCESS: a throughput of failed runs would be meaningless.
    await sleep(200);
    const { rows } = await client.query(
      `SELECT w.name, pg_catalog.count(*) FILTER (WHERE r.status OPERATOR(pg_catalog.=) 'SUCCESS') AS ok,
              pg_catalog.count(*) AS total
         FROM ${table(db.schema, "pgqrs_workflow_runs")} r JOIN ${table(db.schema, "pgqrs_workflows")} w
           ON w.id OPERATOR(pg_catalog.=) r.workflow_id GROUP BY w.name`,
    );
    const outcome = Object.fromEntries(rows.map((r) => [r.name, { success: Number(r.ok), total: Number(r.total) }]));
    const perSec = (done / elapsed) * 1000;
    log(
      `  primitives: ${runs} runs ${what}, K=${concurrency}: ${perSec.toFixed(1)} runs/s${finished ? "" : " (capped)"}, ${statementsPerRun.toFixed(1)} statements per run; ${JSON.stringify(outcome)}`,
    );
    return {
      runs,
      concurrency,
      perSec,
      capped: !finished,
      done,
      statementsPerRun,
      statementMix,
      outcome,
      ...(sleepOnce ? { sleepMs: SLEEP_MS } : {}),
    };
  } finally {
    stop.abort();
    await Promise.all(workers.map((w) => w.catch(() => undefined)));
    await client.end().catch(() => undefined);
    await db.close();
  }
}
