/**
 * The SQLite section (each round) and the sections run once: the dashboard's scale and the retention sweep.
 *
 * Every section takes the context bench/run.mjs builds: `dsn`; `quick`; `sizes`, `primitiveSizes` and `limits`
 * (the run's sizes, and its time caps in ms); the systems (`queueSystems`, `pgbench`, `dbos`, `sqliteOurs`,
 * `sqliteRaw`); and the recorder (`record`, `recordAll`, `attempt`, `figures`, `log`, `bloat`, `primitives`).
 */
import { dashboardScale } from "../dashboard-scale.mjs";
import { retentionFigures, retentionUnderDrain } from "../retention/retention.mjs";
import { sqliteEnqueueOwnTable } from "../systems/sqlite-own-table.mjs";

/**
 * pgqrs on a SQLite file against a raw better-sqlite3 loop: drains at B=1 and B=50, and enqueues (into a minimal
 * table, and side by side with pgqrs's own insert into pgqrs's own table).
 */
export async function sqliteSection(ctx) {
  const { sizes, sqliteOurs, sqliteRaw, attempt, record, log } = ctx;
  for (const b of [1, 50]) {
    for (const [key, s] of [
      ["pgqrs", sqliteOurs],
      ["raw SQL", sqliteRaw],
    ]) {
      const r = await attempt(s.name, `sqlite drain B=${b}`, () => s.drain({ n: sizes.drain, b, limitMs: 120_000 }));
      if (r === undefined) continue;
      log(`  SQLite drain B=${b} ${s.name}: ${Math.round(r.perSec)} jobs/s`);
      record(
        `sqlite_drain_b${b}`,
        { label: `SQLite drain K=1 B=${b}`, unit: "jobs/s", higherIsBetter: true },
        key,
        r.perSec,
      );
    }
  }
  for (const [key, s] of [
    ["pgqrs", sqliteOurs],
    ["raw SQL", sqliteRaw],
  ]) {
    const r = await attempt(s.name, "sqlite enqueue", () => s.enqueue({ n: sizes.enqueue }));
    if (r === undefined) continue;
    log(`  SQLite enqueue ${s.name}: ${Math.round(r.perSec)} jobs/s`);
    record(
      "sqlite_enqueue",
      { label: `SQLite ${sizes.enqueue} enqueues`, unit: "jobs/s", higherIsBetter: true },
      key,
      r.perSec,
    );
  }
  const own = await attempt("pgqrs", "sqlite enqueue vs own table", () => sqliteEnqueueOwnTable({ n: sizes.enqueue }));
  if (own !== undefined) {
    log(
      `  SQLite enqueue vs pgqrs's own table: pgqrs ${Math.round(own.pgqrs.perSec)}, raw ${Math.round(own.raw.perSec)} jobs/s`,
    );
    const figure = { label: "SQLite sequential enqueues vs pgqrs's own table", unit: "jobs/s", higherIsBetter: true };
    record("sqlite_enqueue_table", figure, "pgqrs", own.pgqrs.perSec, own.pgqrs);
    record("sqlite_enqueue_table", figure, "raw SQL", own.raw.perSec, own.raw);
  }
}

/** Once, not per round: the overview of a 10,000-queue database (bench/dashboard-scale.mjs). */
export async function dashboardSection(ctx) {
  const { dsn, quick, attempt, record, log } = ctx;
  const queues = quick ? 2_000 : 10_000;
  const r = await attempt("pgqrs", "dashboard overview", () =>
    dashboardScale({ dsn, queues, messages: queues * 10, log }),
  );
  if (r !== undefined) {
    const note = `${r.bytes} bytes; first ${r.firstMs} ms; 10 at once ≤ ${r.concurrentMaxMs} ms`;
    const meta = { label: `dashboard overview, ${queues} queues (warm)`, unit: "ms", higherIsBetter: false };
    record("dashboard_overview", meta, "pgqrs", r.warmMs, { note });
  }
}

/** Once, not per round: a drain while a sweep deletes 1,000,000 archived rows; returns its result or undefined. */
export async function retentionSection(ctx) {
  const { dsn, quick, sizes, attempt, recordAll, log } = ctx;
  const r = await attempt("pgqrs", "retention sweep under drain", () =>
    retentionUnderDrain({ dsn, archived: quick ? 100_000 : 1_000_000, drainJobs: sizes.drain, log }),
  );
  if (r !== undefined) {
    recordAll("pgqrs", retentionFigures(r));
    return r;
  }
  return undefined;
}
