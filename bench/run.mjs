/**
 * `npm run bench` (from the repository root): builds nothing itself (the root script runs `npm run build` first),
 * opens or starts a PostgreSQL, runs every scenario for pgqrs, the raw-SQL baseline and the peers on that same
 * database, round after round (interleaved, so drift hits every system alike), and writes the medians to
 * bench/results/latest.json and docs/benchmarks.md (table, machine, method, SVG chart).
 *
 * Flags: --quick (small sizes, one round: for iterating), --report-only (rewrite docs/benchmarks.md from
 * bench/results/latest.json, measuring nothing), --rounds N, --only a,b (scenario ids: drain, enqueue,
 * enqueue-concurrent, pickup, workflow, sqlite, pgbench, dashboard, primitives, retention, scaling, s3, turso),
 * --systems a,b (queue systems by name: pgqrs, raw SQL, graphile-worker, pg-boss).
 *
 * Layout: this file parses the flags and runs the sections in order; the scenarios are in bench/sections/ (what is
 * measured and recorded), the systems under test in bench/systems/, and the page is written by bench/report/
 * (floors.mjs checks the floors, markdown.mjs writes docs/benchmarks.md from the run's result alone).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { machine } from "./lib/machine.mjs";
import { checkpoint, openDatabase } from "./lib/postgres.mjs";
import { recorder } from "./lib/recorder.mjs";
import { terminalTable } from "./lib/report.mjs";
import { median } from "./lib/stats.mjs";
import { checkFloors } from "./report/floors.mjs";
import { writeDocs } from "./report/write.mjs";
import { runScaling } from "./scaling/scaling.mjs";
import {
  drainSection,
  enqueueConcurrentSection,
  enqueueSection,
  pgbenchSection,
  pickupSection,
} from "./sections/queue.mjs";
import { dashboardSection, retentionSection, sqliteSection } from "./sections/sqlite-and-once.mjs";
import { primitivesSection, sleepingSection, workflowSection } from "./sections/workflow.mjs";
import { dbosSystem } from "./systems/dbos.mjs";
import { graphileSystem } from "./systems/graphile.mjs";
import { pgbenchSystem } from "./systems/pgbench.mjs";
import { pgbossSystem } from "./systems/pgboss.mjs";
import { pgqrsSystem } from "./systems/pgqrs.mjs";
import { rawSystem } from "./systems/raw.mjs";
import { pgqrsSqliteSystem, rawSqliteSystem } from "./systems/sqlite.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(flag("--rounds") ?? (quick ? 1 : 3));
const ONLY = flag("--only")?.split(",");
const SYSTEMS = flag("--systems")?.split(",");
const SIZES = quick
  ? { drain: 2_000, enqueue: 1_000, pickup: 60, pickupWarmup: 5, gapMs: 25, runs: 200, warmupRuns: 200 }
  : { drain: 10_000, enqueue: 5_000, pickup: 600, pickupWarmup: 20, gapMs: 25, runs: 1_000, warmupRuns: 1_000 };
/** The workflow primitives (issue 15): runs asleep at once, send → recv samples, callChild parents. */
const PRIMITIVES = quick
  ? { sleepers: 2_000, windowSeconds: 5, wakes: 30, gapMs: 300, childRuns: 200, k: 16 }
  : { sleepers: 10_000, windowSeconds: 10, wakes: 100, gapMs: 300, childRuns: 1_000, k: 16 };
/**
 * Every timed run is capped (the rate over the cap is reported, marked `*`): pg-boss polls at best every 0.5 s,
 * and where a durable commit takes milliseconds, draining 10,000 jobs one commit at a time takes minutes.
 */
const timeCaps = (q) => ({ "pg-boss": q ? 3_000 : 5_000, default: q ? 8_000 : 12_000 });
const LIMIT_MS = timeCaps(quick);
const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

const t0 = Date.now();
const log = (msg) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
const enabled = (id) => ONLY === undefined || ONLY.includes(id);

const { figures, failures, record, recordAll, attempt } = recorder(log);
const primitives = { wakeUp: [], children: [], noChild: [], sleepOnce: [] };

async function main() {
  const db = await openDatabase(log);
  const { dsn } = db;
  const queueSystems = [pgqrsSystem(dsn), rawSystem(dsn), graphileSystem(dsn), pgbossSystem(dsn)].filter(
    (s) => SYSTEMS === undefined || SYSTEMS.includes(s.name),
  );
  const pgbench = pgbenchSystem(dsn);
  const dbos = dbosSystem(dsn);
  const bloat = [];
  const ctx = {
    dsn,
    quick,
    sizes: SIZES,
    primitiveSizes: PRIMITIVES,
    limits: LIMIT_MS,
    queueSystems,
    pgbench,
    dbos,
    sqliteOurs: pgqrsSqliteSystem(),
    sqliteRaw: rawSqliteSystem(),
    figures,
    record,
    recordAll,
    attempt,
    log,
    bloat,
    primitives,
    checkpoint: () => checkpoint(dsn, log),
  };
  const loadStart = os.loadavg();
  let retention;
  let scaling;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}`);
      if (enabled("drain")) await drainSection(ctx);
      if (enabled("pgbench") && pgbench.available) await pgbenchSection(ctx);
      if (enabled("enqueue")) await enqueueSection(ctx);
      if (enabled("enqueue-concurrent")) await enqueueConcurrentSection(ctx);
      if (enabled("pickup")) await pickupSection(ctx);
      if (enabled("workflow")) await workflowSection(ctx);
      if (enabled("primitives")) await primitivesSection(ctx);
      if (enabled("sqlite")) await sqliteSection(ctx);
      if (enabled("s3")) await (await import("./systems/s3.mjs")).s3Round({ quick, attempt, record, log });
      if (enabled("turso")) await (await import("./systems/turso.mjs")).tursoRound({ quick, attempt, record, log });
    }
    // Once, not per round.
    if (enabled("dashboard")) await dashboardSection(ctx);
    if (enabled("primitives")) await sleepingSection(ctx);
    if (enabled("retention")) retention = await retentionSection(ctx);
    if (enabled("scaling")) {
      // Backlogs, history, many queues, idle workers, memory, processes (bench/scaling/).
      scaling = await attempt("pgqrs", "scaling", () => runScaling({ dsn, quick, log }));
    }
  } finally {
    await dbos.close().catch(() => undefined);
    await db.stop().catch(() => undefined);
  }

  for (const f of figures.values()) for (const v of Object.values(f.values)) v.median = median(v.rounds);
  const floors = checkFloors(figures);
  const result = {
    generatedAt: new Date().toISOString(),
    quick,
    rounds: ROUNDS,
    sizes: SIZES,
    durationSeconds: Math.round((Date.now() - t0) / 1000),
    machine: machine(db.settings, loadStart),
    figures: [...figures.values()],
    floors,
    deadTuplesAfterDrain: bloat,
    ...(enabled("primitives") ? { primitives } : {}),
    ...(retention === undefined ? {} : { retention }),
    ...(scaling === undefined ? {} : { scaling }),
    failures,
  };

  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}latest.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${RESULTS}${result.generatedAt.replaceAll(":", "-")}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const table = writeDocs(result, LIMIT_MS);

  process.stdout.write(`\n${terminalTable(table)}\n\n`);
  for (const f of floors)
    process.stdout.write(`${f.met === null ? "?" : f.met ? "MET " : "MISS"}  ${f.floor}: ${f.detail}\n`);
  if (bloat.length > 0) process.stdout.write(`\ndead tuples after K=16 B=50 drains: ${JSON.stringify(bloat)}\n`);
  if (Object.keys(failures).length > 0) process.stdout.write(`\nnot run: ${JSON.stringify(failures, null, 2)}\n`);
  log(`done in ${result.durationSeconds} s; wrote bench/results/latest.json and docs/benchmarks.md`);
}

/**
 * --report-only: rewrite docs/benchmarks.md and its charts from bench/results/latest.json without measuring (after
 * a change to the page's text; the figures, floors and generation time stay the run's).
 */
function reportOnly() {
  const result = JSON.parse(readFileSync(`${RESULTS}latest.json`, "utf8"));
  writeDocs(result, timeCaps(result.quick));
  log(`rewrote docs/benchmarks.md from bench/results/latest.json (run of ${result.generatedAt})`);
}

if (args.includes("--report-only")) reportOnly();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
