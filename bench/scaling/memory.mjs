/**
 * A worker's memory over a long drain (issue 21, item 3): `messages` messages (1,000,000) written up front, then
 * handled by one worker process (K=16 B=50, no-op handler) that samples its own memory every `sampleEvery`
 * messages: RSS, and the live heap after a full collection (the child runs with --expose-gc, so a slow leak shows
 * in the heap even when RSS hides it in reserved pages). The same samples give the drain rate along the way, from
 * a backlog of `messages` down to none, with the message table's dead tuples and vacuum passes at each sample
 * (pg_stat_user_tables).
 */
import pg from "pg";
import { now } from "../lib/stats.mjs";
import { analyze, fillPending, openSchema, table } from "./common.mjs";
import { spawnWorker } from "./spawn-worker.mjs";

const K = 16;
const B = 50;

export async function workerMemory({ dsn, messages, sampleEvery, log }) {
  const db = await openSchema(dsn, "mem", { maxConnections: 2 });
  try {
    const queue = await db.store.queue("memory");
    const t0 = now();
    await fillPending(dsn, db.schema, queue.id, messages);
    await analyze(dsn, db.schema);
    log(`  scaling: ${messages} messages written in ${((now() - t0) / 1000).toFixed(1)} s for the memory run`);
    // The table's dead tuples and vacuum passes at each sample: what the claim's index scan has to step over.
    const probe = new pg.Client({ connectionString: dsn });
    await probe.connect();
    const tableStats = [];
    let probing = Promise.resolve();
    const w = spawnWorker(
      { dsn, schema: db.schema, queue: "memory", k: K, b: B, count: messages, sampleEvery },
      {
        exposeGc: true,
        onSample: (s) => {
          probing = probing.then(async () => {
            const { rows } = await probe.query(
              `SELECT n_dead_tup, autovacuum_count, vacuum_count FROM pg_catalog.pg_stat_user_tables
                WHERE relid = $1::regclass`,
              [table(db.schema, "pgqrs_messages")],
            );
            const r = rows[0] ?? {};
            tableStats.push({
              processed: s.processed,
              deadTuples: Number(r.n_dead_tup ?? 0),
              vacuums: Number(r.autovacuum_count ?? 0) + Number(r.vacuum_count ?? 0),
            });
          });
          if (s.processed % (sampleEvery * 10) < B)
            log(`  scaling: memory: ${s.processed} handled, RSS ${mib(s.rss)} MiB, heap ${mib(s.heapUsed)} MiB`);
        },
      },
    );
    await w.ready;
    w.go();
    const report = await w.done;
    await probing;
    await probe.end();
    const samples = report.samples;
    // Rate per stretch between consecutive samples: how the drain speed moves as the backlog shrinks.
    const stretches = samples.slice(1).map((s, i) => {
      const prev = samples[i];
      const t = tableStats.find((x) => x.processed === s.processed);
      return {
        processed: s.processed,
        perSec: ((s.processed - prev.processed) / (s.ms - prev.ms)) * 1000,
        ...(t === undefined ? {} : { deadTuples: t.deadTuples, vacuums: t.vacuums }),
      };
    });
    return {
      k: K,
      b: B,
      messages,
      sampleEvery,
      processed: report.processed,
      seconds: report.ms / 1000,
      perSec: (report.processed / report.ms) * 1000,
      first: samples[0],
      samples: samples.map(({ processed, ms, rss, heapUsed, external }) => ({
        processed,
        ms,
        rss,
        heapUsed,
        external,
      })),
      stretches,
    };
  } finally {
    await db.close();
  }
}

export const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
