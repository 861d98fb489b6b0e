/**
 * Retention under load (issue 18): the drain throughput of a K=16 B=50 consumer while a retention sweep deletes
 * `archived` old archived rows of the same table, against the same drain without a sweep, and the table and index
 * sizes before the sweep, after it, and after a VACUUM.
 *
 * One schema: queue `history` gets `archived` rows archived 30 days ago (one INSERT … SELECT generate_series), queue
 * `drain` is drained. Drains alternate: one while `admin(store).runRetention()` (another store: another process's
 * maintenance) deletes in its 1,000-row batches, paced, then one with the sweep paused (aborted after its batch in
 * progress, resumed for the next pair), until the sweep has deleted every row; the ratio is the median of the
 * first kind over the median of the second. Each drain prefills `drainJobs` messages, then drains them.
 */
import * as pgqrs from "../../dist/index.js";
import { dropSchemas, sql } from "../lib/postgres.mjs";
import { median, now, waitUntil } from "../lib/stats.mjs";

const K = 16;
const B = 50;
/**
 * The sweep pauses 3 times as long as each batch took (`runRetention({ pauseRatio: 3 })`): a quarter of one
 * connection's time, about 7,500 rows/s on this machine when idle (the store's own maintenance is gentler still:
 * 8 batches a minute).
 */
const PAUSE_RATIO = 3;
/** Drains with the sweep running per drain with it paused. */
const WITH_PER_PAUSED = 3;

async function prefill(store, queue, n) {
  const producer = await store.producer(queue);
  for (let i = 0; i < n; i += 1000) {
    const len = Math.min(1000, n - i);
    await producer.enqueueBatch(Array.from({ length: len }, (_, j) => ({ kind: "benchmark", i: i + j })));
  }
}

/** Prefill `n`, then drain them at K=16 B=50; jobs/s over the drain. */
async function drainOnce(store, n) {
  await prefill(store, "drain", n);
  const consumer = await store.consumer("drain");
  let processed = 0;
  const stop = new AbortController();
  const t0 = now();
  const loop = pgqrs
    .dequeue()
    .worker(consumer)
    .batch(B)
    .concurrency(K)
    .signal(stop.signal)
    .handleBatch(async (ms) => {
      processed += ms.length;
    })
    .poll(store);
  await waitUntil(() => processed >= n, 60_000, 1);
  const elapsed = now() - t0;
  stop.abort();
  await loop;
  return (processed / elapsed) * 1000;
}

/** Sizes of the message table in bytes: heap, its indexes, total (with TOAST). */
async function sizes(dsn, schema) {
  const [r] = await sql(
    dsn,
    `SELECT pg_catalog.pg_relation_size(c.oid) AS heap, pg_catalog.pg_indexes_size(c.oid) AS indexes,
            pg_catalog.pg_total_relation_size(c.oid) AS total,
            (SELECT pg_catalog.count(*) FROM ${q(schema)}.pgqrs_messages) AS rows
       FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass`,
    [`${q(schema)}.pgqrs_messages`],
  );
  return { heap: Number(r.heap), indexes: Number(r.indexes), total: Number(r.total), rows: Number(r.rows) };
}

const q = (schema) => `"${schema}"`;

export async function retentionUnderDrain({ dsn, archived, drainJobs, log }) {
  const schema = `bench_retention_${process.pid}`;
  const store = await pgqrs.connect(dsn, { schema, maxConnections: K + 2 });
  const sweeper = await pgqrs.connect(dsn, { schema, maxConnections: 2 });
  try {
    const admin = pgqrs.admin(store);
    await admin.install();
    await admin.createQueue("drain");
    const history = await admin.createQueue("history");
    const t0 = now();
    await sql(
      dsn,
      `INSERT INTO ${q(schema)}.pgqrs_messages (queue_id, payload, vt, enqueued_at, read_ct, dequeued_at, archived_at)
       SELECT $1, pg_catalog.jsonb_build_object('kind', 'history', 'i', g), t, t, 1, t, t
         FROM pg_catalog.generate_series(1, $2::int) g,
              LATERAL (SELECT pg_catalog.now() - interval '30 days' + g * interval '1 millisecond' AS t) x`,
      [history.id, archived],
    );
    await sql(dsn, `ANALYZE ${q(schema)}.pgqrs_messages`);
    const seedSeconds = (now() - t0) / 1000;
    const before = await sizes(dsn, schema);
    log(`  retention: seeded ${archived} archived rows in ${seedSeconds.toFixed(1)} s; ${JSON.stringify(before)}`);

    await drainOnce(store, drainJobs); // warm-up (JIT, plan caches, pool), not counted

    // Interleaved, so both kinds of drain see the same machine: WITH_PER_PAUSED drains while the sweep runs, then the
    // sweep is paused (its signal aborted after the batch in progress) for one drain without it; until the sweep has
    // deleted every row.
    const baseline = [];
    const during = [];
    const swept = { messages: 0, batches: 0 };
    let sweepMs = 0;
    let caughtUp = false;
    while (!caughtUp) {
      const stop = new AbortController();
      const s0 = now();
      let sweepEnded = false;
      const sweep = pgqrs
        .admin(sweeper)
        .runRetention({ queue: "history", pauseRatio: PAUSE_RATIO, signal: stop.signal })
        .finally(() => {
          sweepEnded = true;
        });
      for (let i = 0; i < WITH_PER_PAUSED && !sweepEnded; i += 1) {
        const rate = await drainOnce(store, drainJobs);
        // Only drains that ran entirely while the sweep was deleting count.
        if (!sweepEnded) during.push(rate);
      }
      stop.abort();
      const r = await sweep;
      sweepMs += now() - s0;
      swept.messages += r.messages;
      swept.batches += r.batches;
      caughtUp = r.caughtUp;
      if (!caughtUp) baseline.push(await drainOnce(store, drainJobs));
      if (baseline.length % 10 === 1) {
        const ratio = median(during) / median(baseline);
        log(
          `  retention: ${swept.messages} rows swept; ${during.length}/${baseline.length} drains; ratio ${ratio.toFixed(2)}`,
        );
      }
    }
    const sweepSeconds = sweepMs / 1000;
    log(
      `  retention: swept ${swept.messages} rows in ${sweepSeconds.toFixed(1)} s of sweeping (${swept.batches} batches); drains during it ${during.map(Math.round).join(", ")}; without ${baseline.map(Math.round).join(", ")} jobs/s`,
    );
    const after = await sizes(dsn, schema);
    await sql(dsn, `VACUUM ${q(schema)}.pgqrs_messages`);
    const vacuumed = await sizes(dsn, schema);
    const base = median(baseline);
    const withSweep = median(during);
    return {
      archived,
      drainJobs,
      seedSeconds,
      sweep: { deleted: swept.messages, batches: swept.batches, seconds: sweepSeconds },
      drain: { baseline, during, baselineMedian: base, duringMedian: withSweep },
      ratio: base && withSweep ? withSweep / base : null,
      sizes: { before, after, vacuumed },
    };
  } finally {
    await sweeper.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await dropSchemas(dsn, [schema]);
  }
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Figures for the main table: [id, meta, value, extra]. */
export function retentionFigures(r) {
  const meta = (label) => ({ label, unit: "jobs/s", higherIsBetter: true });
  return [
    ["retention_drain_base", meta("drain K=16 B=50, no sweep (retention group)"), r.drain.baselineMedian, {}],
    [
      "retention_drain_sweep",
      meta(`drain K=16 B=50 while a sweep deletes ${r.archived.toLocaleString("en")} rows`),
      r.drain.duringMedian,
      { note: r.ratio === null ? "" : `${r.ratio.toFixed(2)}x of no sweep` },
    ],
  ];
}

export function retentionMarkdown(r) {
  if (r === undefined) return "";
  const row = (name, s) =>
    `| ${name} | ${s.rows.toLocaleString("en")} | ${mib(s.heap)} | ${mib(s.indexes)} | ${mib(s.total)} |`;
  const ratio = r.ratio === null ? "n/a" : `${(r.ratio * 100).toFixed(0)} %`;
  const within =
    r.ratio === null ? "not measured" : r.ratio >= 0.9 ? "within 10 %: met" : "**more than 10 % slower: not met**";
  return `
## Retention (issue 18)

Pairs of K=16 B=50 drains of ${r.drainJobs.toLocaleString("en")} jobs each (prefilled each time): one while
\`admin(store).runRetention({ pauseRatio: ${PAUSE_RATIO} })\` on another store deletes archived rows of the same table, one
with that sweep paused (aborted after its batch in progress, resumed for the next pair), until the sweep has deleted
all ${r.archived.toLocaleString("en")} archived rows (seeded by one \`INSERT … SELECT generate_series\` in
${r.seedSeconds.toFixed(1)} s, archived 30 days ago, in another queue). Interleaving puts both kinds of drain on the
same machine state. Batches are 1,000 rows, one transaction each, under the schema's retention advisory lock, victims
taken \`FOR UPDATE SKIP LOCKED\`; claims touch only unarchived rows, so they never wait on it.

| | jobs/s (median) | drains |
|---|---|---|
| sweep paused | ${Math.round(r.drain.baselineMedian)} | ${r.drain.baseline.length} |
| during the sweep | ${r.drain.duringMedian === null ? "n/a" : Math.round(r.drain.duringMedian)} | ${r.drain.during.length} |

During the sweep the drain ran at ${ratio} of its speed without it (${within}). The sweep deleted
${r.sweep.deleted.toLocaleString("en")} rows in ${r.sweep.seconds.toFixed(1)} s of sweeping (${r.sweep.batches} batches,
${Math.round(r.sweep.deleted / r.sweep.seconds).toLocaleString("en")} rows/s) while the drains ran.

\`pgqrs_messages\` sizes (rows: every message of the table, the drained jobs included; heap; indexes; total with
TOAST):

| when | rows | heap | indexes | total |
|---|---|---|---|---|
${row("before the sweep", r.sizes.before)}
${row("right after the sweep", r.sizes.after)}
${row("after VACUUM", r.sizes.vacuumed)}

Deleting frees the rows' space for reuse once (auto)vacuum has passed, so a table under retention stops growing; the
file does not shrink (only \`VACUUM FULL\` would return the space to the operating system).
`;
}
