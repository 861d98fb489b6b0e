/**
 * Sleeping runs cost no polling: one idle workflow worker, first with no runs, then with `runs` runs asleep at
 * once, each started by the worker and paused by `run.sleep("nap", 1 hour)`. Over a window of `windowSeconds`
 * while the worker idles, it counts the statements the worker's store sends (client side) and the server's
 * commits, scans and rows read on the pgqrs tables: the same measure with 0 and with `runs` sleeping runs.
 */
import * as pgqrs from "../../dist/index.js";
import { now, sleep } from "../lib/stats.mjs";
import { idleCost, openCountedStore, pollUntil, probeClient, table } from "./common.mjs";

const HOUR_MS = 3_600_000;

export async function sleepingRuns({ dsn, runs, windowSeconds, concurrency = 64, log = () => undefined }) {
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
    const consumer = await db.store.consumer(wf.name);
    worker = pgqrs
      .workflow()
      .name(wf)
      .consumer(consumer)
      .concurrency(concurrency)
      .signal(stop.signal)
      .onError((err) => log(`  ! sleeping worker: ${err instanceof Error ? err.message : String(err)}`))
      .poll(db.store);
    const tables = ["pgqrs_messages", "pgqrs_workflow_runs", "pgqrs_workflow_steps"].map((t) => table(db.schema, t));
    // The same preparation before both windows: fresh planner statistics and no autovacuum due. Then 12 s of
    // idling: a PostgreSQL 15 backend that goes idle less than 1 s after its last report holds its counts back for
    // up to 10 s, so the statistics of putting the runs to sleep would otherwise land in the window.
    const settle = async () => {
      for (const t of tables) await client.query(`VACUUM ANALYZE ${t}`);
      await sleep(12_000);
    };
    const measure = async () => idleCost({ client, schema: db.schema, counter: db.counter, seconds: windowSeconds });

    await settle();
    const idle0 = await measure();
    log(`  primitives: idle worker, 0 sleeping runs: ${describe(idle0)}`);

    // Triggers in batches of 1,000 from another store (no handoff, no producer on the worker's store).
    const sender = await db.other();
    const producer = await sender.producer(wf.name);
    const t0 = now();
    for (let i = 0; i < runs; i += 1000) {
      const len = Math.min(1000, runs - i);
      await producer.enqueueBatch(Array.from({ length: len }, (_, j) => ({ input: i + j })));
    }
    await sender.close(); // nothing but the worker's store is open during the windows
    const runsTable = table(db.schema, "pgqrs_workflow_runs");
    await pollUntil(
      async () =>
        Number(
          (
            await client.query(
              `SELECT pg_catalog.count(*) AS n FROM ${runsTable} WHERE status OPERATOR(pg_catalog.=) 'PAUSED'`,
            )
          ).rows[0].n,
        ),
      (n) => n >= runs,
      { limitMs: 600_000, stepMs: 250, what: `${runs} runs asleep` },
    );
    const asleepSeconds = (now() - t0) / 1000;
    log(`  primitives: ${runs} runs triggered and asleep in ${asleepSeconds.toFixed(1)} s`);
    // Asleep means: PAUSED, waiting for "sleep", the trigger message not held by anyone, due in about an hour.
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

    await settle();
    const idleN = await measure();
    log(`  primitives: idle worker, ${runs} sleeping runs: ${describe(idleN)}`);
    return { runs, windowSeconds, concurrency, asleepSeconds, asleep, idle0, idleN };
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
