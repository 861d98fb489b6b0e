/**
 * Sleeping runs cost no polling: an idle workflow worker with no runs, and one with `runs` runs asleep at once (each
 * started by the worker and paused by `run.sleep("nap", 1 hour)`). Over a window of `windowSeconds` while the worker
 * idles, it counts the statements the worker's store sends (client side) and the server's commits, scans and rows
 * read on the pgqrs tables: the same measure with 0 and with `runs` sleeping runs.
 *
 * Each case has a schema, store and worker of its own, and the sleeping runs' triggers are enqueued before their
 * worker starts: a worker that idled on empty tables first keeps the claim plan PostgreSQL cached for empty tables
 * (a nested loop re-running the claim's scan per message), which takes minutes per claim once thousands of triggers
 * arrive; see the report of issue 15. That is a finding of its own, not what this scenario measures.
 */
import * as pgqrs from "../../dist/index.js";
import { now, sleep } from "../lib/stats.mjs";
import { idleCost, openCountedStore, pollUntil, probeClient, table } from "./common.mjs";

const HOUR_MS = 3_600_000;

export async function sleepingRuns({ dsn, runs, windowSeconds, concurrency = 64, log = () => undefined }) {
  const idle0 = await idleCase({ dsn, runs: 0, windowSeconds, concurrency, log });
  log(`  primitives: idle worker, 0 sleeping runs: ${describe(idle0.cost)}`);
  const idleN = await idleCase({ dsn, runs, windowSeconds, concurrency, log });
  log(`  primitives: idle worker, ${runs} sleeping runs: ${describe(idleN.cost)}`);
  return {
    runs,
    windowSeconds,
    concurrency,
    asleepSeconds: idleN.asleepSeconds,
    asleep: idleN.asleep,
    idle0: idle0.cost,
    idleN: idleN.cost,
  };
}

async function idleCase({ dsn, runs, windowSeconds, concurrency, log }) {
  const db = await openCountedStore(dsn, { maxConnections: 10, tag: "sleep" });
  const client = await probeClient(dsn);
  const stop = new AbortController();
  let worker;
  try {
    const wf = pgqrs.defineWorkflow({ name: "bench_sleep" }, async (run) => {
      await run.sleep("nap", HOUR_MS);
      return null;
    });
    await pgqrs.workflow().name(wf).create(db.store);
    // Triggers in batches of 1,000 from another store (no handoff, no producer on the worker's store), closed
    // before the window: only the worker's store is open then.
    if (runs > 0) {
      const sender = await db.other();
      const producer = await sender.producer(wf.name);
      for (let i = 0; i < runs; i += 1000) {
        const len = Math.min(1000, runs - i);
        await producer.enqueueBatch(Array.from({ length: len }, (_, j) => ({ input: i + j })));
      }
      await sender.close();
    }
    const t0 = now();
    const consumer = await db.store.consumer(wf.name);
    worker = pgqrs
      .workflow()
      .name(wf)
      .consumer(consumer)
      .concurrency(concurrency)
      .signal(stop.signal)
      .onError((err) => log(`  ! sleeping worker: ${err instanceof Error ? err.message : String(err)}`))
      .poll(db.store);
    const runsTable = table(db.schema, "pgqrs_workflow_runs");
    const paused = async () =>
      Number(
        (
          await client.query(
            `SELECT pg_catalog.count(*) AS n FROM ${runsTable} WHERE status OPERATOR(pg_catalog.=) 'PAUSED'`,
          )
        ).rows[0].n,
      );
    await pollUntil(paused, (n) => n >= runs, { limitMs: 900_000, stepMs: 250, what: `${runs} runs asleep` });
    const asleepSeconds = (now() - t0) / 1000;
    if (runs > 0) log(`  primitives: ${runs} runs started and asleep in ${asleepSeconds.toFixed(1)} s`);
    // Asleep means: PAUSED, waiting for "sleep", the trigger message held by no one, due in about an hour.
    const {
      rows: [check],
    } = await client.query(
      `SELECT pg_catalog.count(*) FILTER (WHERE r.waiting_for->>'kind' OPERATOR(pg_catalog.=) 'sleep') AS waiting_sleep,
              pg_catalog.count(*) FILTER (WHERE m.consumer_worker_id IS NOT NULL) AS held,
              pg_catalog.count(*) FILTER (WHERE m.vt > pg_catalog.now() + interval '50 minutes') AS due_later
         FROM ${runsTable} r JOIN ${table(db.schema, "pgqrs_messages")} m ON m.id OPERATOR(pg_catalog.=) r.message_id`,
    );
    const asleep = {
      waitingForSleep: Number(check.waiting_sleep),
      heldByAConsumer: Number(check.held),
      dueInAnHour: Number(check.due_later),
    };
    // The same preparation before both windows: fresh planner statistics and no autovacuum due. Then 12 s of
    // idling: a PostgreSQL 15 backend that goes idle less than 1 s after its last report holds its counts back for
    // up to 10 s, so the statistics of putting the runs to sleep would otherwise land in the window.
    for (const t of ["pgqrs_messages", "pgqrs_workflow_runs", "pgqrs_workflow_steps"]) {
      await client.query(`VACUUM ANALYZE ${table(db.schema, t)}`);
    }
    await sleep(12_000);
    const cost = await idleCost({ client, schema: db.schema, counter: db.counter, seconds: windowSeconds });
    return { cost, asleepSeconds, asleep };
  } finally {
    stop.abort();
    await worker?.catch(() => undefined);
    await client.end().catch(() => undefined);
    await db.close();
  }
}

function describe(c) {
  return `${c.statementsPerSec.toFixed(1)} statements/s sent, ${c.xactsPerSec.toFixed(1)} commits/s, ${c.scansPerSec.toFixed(1)} scans/s and ${c.rowsReadPerSec.toFixed(1)} rows read/s on pgqrs tables (${c.seconds} s)`;
}
