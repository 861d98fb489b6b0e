/**
 * The queue sections, run once per round: drains, pgbench's claim loops, sequential and concurrent enqueues and
 * pickup latency.
 *
 * Every section takes the context bench/run.mjs builds: `dsn`; `quick`; `sizes`, `primitiveSizes` and `limits`
 * (the run's sizes, and its time caps in ms); the systems (`queueSystems`, `pgbench`, `dbos`, `sqliteOurs`,
 * `sqliteRaw`); and the recorder (`record`, `recordAll`, `attempt`, `figures`, `log`, `bloat`, `primitives`).
 */
import { runEnqueueConcurrent, runOwnTableRaw } from "../enqueue-concurrent.mjs";
import { percentile } from "../lib/stats.mjs";
import { graphileSystem } from "../systems/graphile.mjs";
import { pgqrsSystem } from "../systems/pgqrs.mjs";

/** The drain configurations: K units at a time, B messages per claim. */
const CONFIGS = [
  { k: 1, b: 1 },
  { k: 4, b: 1 },
  { k: 16, b: 1 },
  { k: 1, b: 50 },
  { k: 4, b: 50 },
  { k: 16, b: 50 },
  // Issue 21: K=16 as 16 competing consumers (each its own loop at concurrency 1) instead of one loop's concurrency.
  { k: 16, b: 50, consumers: 16 },
];
/** The systems whose drain takes `consumers` (raw SQL's K loops are K competing consumers already). */
const CONSUMER_SYSTEMS = ["pgqrs", "raw SQL", "graphile-worker"];
const drainId = ({ k, b, consumers }) => (consumers === undefined ? `drain_k${k}_b${b}` : `drain_c${consumers}_b${b}`);
const drainLabel = ({ k, b, consumers }) =>
  consumers === undefined ? `drain K=${k} B=${b}` : `drain ${consumers} consumers B=${b}`;

/** Every drain configuration for every queue system (and its prefill rate, and the table's dead tuples). */
export async function drainSection(ctx) {
  const { sizes, limits, queueSystems, attempt, record, log, bloat, checkpoint } = ctx;
  for (const config of CONFIGS) {
    const { k, b, consumers } = config;
    const label = drainLabel(config);
    for (const s of queueSystems) {
      if (consumers !== undefined && !CONSUMER_SYSTEMS.includes(s.name)) continue;
      const limitMs = limits[s.name] ?? limits.default;
      await checkpoint();
      const r = await attempt(s.name, label, () => s.drain({ n: sizes.drain, k, b, limitMs, consumers }));
      if (r === undefined) continue;
      log(
        `  ${label} ${s.name}: ${Math.round(r.perSec)} jobs/s${r.capped ? ` (capped: ${r.processed} in ${limitMs} ms)` : ""}`,
      );
      record(drainId(config), { label, unit: "jobs/s", higherIsBetter: true }, s.name, r.perSec, r);
      record(
        "prefill",
        { label: `prefill ${sizes.drain}`, unit: "jobs/s", higherIsBetter: true },
        s.name,
        r.prefillPerSec,
      );
      if (r.bloat !== undefined) bloat.push(r.bloat);
    }
  }
}

/** pgbench's claim-and-archive loops at K=1 B=1 and K=16 B=50 (C, no client overhead). */
export async function pgbenchSection(ctx) {
  const { quick, pgbench, attempt, record, log, checkpoint } = ctx;
  const seconds = quick ? 2 : 3;
  for (const { k, b, rows } of [
    { k: 1, b: 1, rows: 60_000 },
    { k: 16, b: 50, rows: 600_000 },
  ]) {
    await checkpoint();
    const r = await attempt("pgbench", `claim K=${k} B=${b}`, () => pgbench.claim({ k, b, seconds, rows }));
    if (r?.perSec == null) continue;
    log(`  pgbench claim+archive K=${k} B=${b}: ${Math.round(r.perSec)} jobs/s`);
    record(
      `drain_k${k}_b${b}`,
      { label: `drain K=${k} B=${b}`, unit: "jobs/s", higherIsBetter: true },
      "pgbench",
      r.perSec,
    );
  }
}

/** Sequential enqueues: every queue system, pgbench's single INSERT, and the rows against pgqrs's own table. */
export async function enqueueSection(ctx) {
  const { dsn, quick, sizes, limits, queueSystems, pgbench, figures, attempt, record, log, checkpoint } = ctx;
  for (const s of queueSystems) {
    await checkpoint();
    const r = await attempt(s.name, "enqueue", () => s.enqueue({ n: sizes.enqueue }));
    if (r === undefined) continue;
    log(`  enqueue ${s.name}: ${Math.round(r.perSec)} jobs/s`);
    record(
      "enqueue",
      { label: `${sizes.enqueue} sequential enqueues`, unit: "jobs/s", higherIsBetter: true },
      s.name,
      r.perSec,
    );
  }
  if (pgbench.available) {
    await checkpoint();
    const r = await attempt("pgbench", "insert", () => pgbench.insert({ seconds: quick ? 2 : 3 }));
    if (r?.perSec != null) {
      log(`  pgbench single INSERT: ${Math.round(r.perSec)} /s`);
      record(
        "enqueue",
        { label: `${sizes.enqueue} sequential enqueues`, unit: "jobs/s", higherIsBetter: true },
        "pgbench",
        r.perSec,
      );
    }
    // The same figure against pgqrs's own table: how far the engine is from what its schema allows.
    await checkpoint();
    const t = await attempt("pgbench", "insert into pgqrs_messages", () =>
      pgbench.insertPgqrsTable({ seconds: quick ? 2 : 3 }),
    );
    const own = figures.get("enqueue")?.values.pgqrs?.rounds.at(-1);
    if (t?.perSec != null && own !== undefined) {
      log(`  pgbench pgqrs's enqueue statement into pgqrs_messages: ${Math.round(t.perSec)} /s`);
      const meta = {
        label: "sequential enqueues vs pgqrs's own table",
        unit: "jobs/s",
        higherIsBetter: true,
      };
      // pgqrs's figure in this row is measured side by side with the raw loop (runOwnTableRaw).
      record("enqueue_table", meta, "pgbench", t.perSec);
    }
  }
  await checkpoint();
  await runOwnTableRaw({ dsn, n: sizes.enqueue, limitMs: limits.default, record, attempt, log });
}

/** 16 concurrent callers (bench/enqueue-concurrent.mjs). */
export async function enqueueConcurrentSection(ctx) {
  const { dsn, quick, sizes, limits, pgbench, sqliteOurs, sqliteRaw, attempt, record, log, checkpoint } = ctx;
  const [pgqrsOurs, graphile] = [pgqrsSystem(dsn), graphileSystem(dsn)];
  await checkpoint();
  await runEnqueueConcurrent({
    dsn,
    n: sizes.enqueue,
    quick,
    limitMs: limits.default,
    systems: { pgqrs: pgqrsOurs, graphile, pgbench, sqlitePgqrs: sqliteOurs, sqliteRaw },
    record,
    attempt,
    log,
  });
}

/** Pickup latency after an idle gap, with the enqueue call alone and the machine's idle round trip. */
export async function pickupSection(ctx) {
  const { sizes, queueSystems, attempt, record, log, checkpoint } = ctx;
  for (const s of queueSystems) {
    await checkpoint();
    const r = await attempt(s.name, "pickup", () =>
      s.pickup({ count: sizes.pickup, gapMs: sizes.gapMs, warmup: sizes.pickupWarmup }),
    );
    if (r === undefined) continue;
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((p) => percentile(r.latencies, p));
    log(
      `  pickup ${s.name}: p50 ${p50?.toFixed(2)} ms, p95 ${p95?.toFixed(2)}, p99 ${p99?.toFixed(2)} (${r.latencies.length} jobs)`,
    );
    const meta = (q) => ({ label: `pickup latency ${q}`, unit: "ms", higherIsBetter: false });
    record("pickup_p50", meta("p50"), s.name, p50);
    record("pickup_p95", meta("p95"), s.name, p95);
    record("pickup_p99", meta("p99"), s.name, p99);
    if (r.enqueueMs !== undefined) {
      // The part of the latency spent before any consumer can know: the enqueue's own durable commit.
      const label = "pickup: the enqueue call alone p50";
      record("pickup_enqueue_p50", { label, unit: "ms", higherIsBetter: false }, s.name, percentile(r.enqueueMs, 0.5));
      // Its tail: a pickup cannot be quicker than the commit it waits for, so this bounds the pickup's p99.
      record(
        "pickup_enqueue_p99",
        { label: "pickup: the enqueue call alone p99", unit: "ms", higherIsBetter: false },
        s.name,
        percentile(r.enqueueMs, 0.99),
      );
    }
    if (r.roundTripMs !== undefined) {
      // The machine's idle round trip (raw SQL only): the spread a pickup after an idle gap starts from.
      for (const q of [0.5, 0.99]) {
        const label = `pickup: a SELECT 1 round trip after the same gap p${q * 100}`;
        record(
          `pickup_round_trip_p${q * 100}`,
          { label, unit: "ms", higherIsBetter: false },
          s.name,
          percentile(r.roundTripMs, q),
        );
      }
    }
  }
}
