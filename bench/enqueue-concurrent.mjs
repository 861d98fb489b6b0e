/**
 * Issue 21's enqueue figures, for bench/run.mjs:
 * - `--only enqueue` also runs the raw node-postgres loop of pgqrs's own enqueue statement into pgqrs's own table
 *   (row "sequential enqueues vs pgqrs's own table", column "raw SQL");
 * - `--only enqueue-concurrent`: 16 async callers in one process sharing 5,000 enqueues, each awaiting its own call:
 *   pgqrs `producer.enqueue` (one producer), graphile-worker `addJob` (one WorkerUtils, a pool of 16), 16
 *   node-postgres clients running pgqrs's statement, pgbench `-c 16` running it (for a few seconds), and pgqrs on
 *   SQLite against the raw better-sqlite3 single-row loop (a synchronous driver: callers cannot overlap there).
 */
import { rawPgqrsTableSystem } from "./systems/raw-pgqrs-table.mjs";

export const CALLERS = 16;

const ownTableMeta = { label: "sequential enqueues vs pgqrs's own table", unit: "jobs/s", higherIsBetter: true };

/**
 * The raw node-postgres loop into pgqrs's own table and pgqrs's `producer.enqueue`, side by side in alternating
 * blocks on one schema (see `enqueueSideBySide`), both recorded in that row (beside pgbench).
 */
export async function runOwnTableRaw({ dsn, n, limitMs, record, attempt, log }) {
  const raw = rawPgqrsTableSystem(dsn);
  const r = await attempt("raw SQL", "enqueue into pgqrs_messages", () => raw.enqueueSideBySide({ n, limitMs }));
  if (r === undefined) return;
  log(
    `  side by side into pgqrs_messages: pgqrs producer.enqueue ${Math.round(r.pgqrs.perSec)} /s, raw node-postgres loop of its statement ${Math.round(r.raw.perSec)} /s (${(r.pgqrs.perSec / r.raw.perSec).toFixed(2)}x)`,
  );
  record("enqueue_table", ownTableMeta, "pgqrs", r.pgqrs.perSec, r.pgqrs);
  record("enqueue_table", ownTableMeta, "raw SQL", r.raw.perSec, r.raw);
}

/** Every system of the concurrent scenario, in turn (one round). */
export async function runEnqueueConcurrent({ dsn, n, quick, limitMs, systems, record, attempt, log }) {
  const label = `${CALLERS} callers, ${n} enqueues`;
  const meta = { label, unit: "jobs/s", higherIsBetter: true };
  const callers = CALLERS;
  const runs = [
    ["pgqrs", () => systems.pgqrs.enqueueConcurrent({ n, callers, limitMs })],
    ["raw SQL", () => rawPgqrsTableSystem(dsn).enqueueConcurrent({ n, callers, limitMs })],
    ["graphile-worker", () => systems.graphile.enqueueConcurrent({ n, callers, limitMs })],
  ];
  if (systems.pgbench.available) {
    runs.push(["pgbench", () => systems.pgbench.insertPgqrsTable({ seconds: quick ? 2 : 3, clients: callers })]);
  }
  for (const [name, run] of runs) {
    const r = await attempt(name, `enqueue, ${label}`, run);
    if (r?.perSec == null) continue;
    log(`  enqueue, ${label}, ${name}: ${Math.round(r.perSec)} jobs/s${r.capped ? " (capped)" : ""}`);
    record("enqueue_concurrent", meta, name, r.perSec, r);
  }
  const sqliteMeta = { label: `SQLite ${label}`, unit: "jobs/s", higherIsBetter: true };
  for (const [name, run] of [
    ["pgqrs", () => systems.sqlitePgqrs.enqueueConcurrent({ n, callers })],
    ["raw SQL", () => systems.sqliteRaw.enqueue({ n })],
  ]) {
    const r = await attempt(name, `SQLite enqueue, ${label}`, run);
    if (r === undefined) continue;
    log(`  SQLite enqueue, ${label}, ${name}: ${Math.round(r.perSec)} jobs/s`);
    record("sqlite_enqueue_concurrent", sqliteMeta, name, r.perSec);
  }
}

/**
 * Issue 21's enqueue floors: sequential enqueue >= 0.9x the raw node-postgres loop into pgqrs's own table; 16
 * callers >= 0.8x pgbench -c 16 into pgqrs's table and >= 3x graphile-worker. `adv(id, other)` is pgqrs's advantage.
 */
export function enqueueFloors({ adv, floor, ratio }) {
  const seq = adv("enqueue_table", "raw SQL");
  floor(
    "sequential enqueue >= 0.9x a raw node-postgres loop into pgqrs's own table (issue 21)",
    seq === null ? null : seq >= 0.9,
    `${ratio(seq)} raw node-postgres loop; ${ratio(adv("enqueue_table", "pgbench"))} pgbench (1 client), same statement and table`,
  );
  const pgb = adv("enqueue_concurrent", "pgbench");
  const gw = adv("enqueue_concurrent", "graphile-worker");
  floor(
    `${CALLERS} concurrent callers >= 0.8x pgbench -c ${CALLERS} into pgqrs's table and >= 3x graphile-worker (issue 21)`,
    pgb === null || gw === null ? null : pgb >= 0.8 && gw >= 3,
    `${ratio(pgb)} pgbench -c ${CALLERS}, ${ratio(gw)} graphile-worker, ${ratio(adv("enqueue_concurrent", "raw SQL"))} ${CALLERS} node-postgres clients; SQLite ${ratio(adv("sqlite_enqueue_concurrent", "raw SQL"))} the raw single-row loop`,
  );
}

/** The method bullet of docs/benchmarks.md for these figures. */
export function enqueueConcurrentMethod(sizes) {
  return `- **enqueue, ${CALLERS} callers** (\`--only enqueue-concurrent\`): ${CALLERS} async callers in one process share
  ${sizes.enqueue} enqueues, each awaiting its own call before taking the next: pgqrs \`producer.enqueue\` on one
  producer (group commit: the enqueues that arrive while an insert is in flight go together in the next one, one
  durable commit for all of them, each caller still answered with its own row after that commit); graphile-worker
  \`addJob\` on one WorkerUtils with a pool of ${CALLERS}; raw SQL: ${CALLERS} node-postgres clients, each running
  pgqrs's own single-row enqueue statement (same text, parameters and notification) into a pgqrs-installed schema;
  pgbench: ${CALLERS} C clients running that statement for a few seconds, each row its own transaction. SQLite: pgqrs's
  ${CALLERS} callers on one producer against the raw better-sqlite3 single-row loop (the driver is synchronous, so
  callers cannot overlap there). The row "sequential enqueues vs pgqrs's own table" compares pgqrs's
  \`producer.enqueue\` with the raw node-postgres loop of that statement from one client (issue 21's floor for
  sequential enqueues) side by side: ${sizes.enqueue} calls each, in alternating blocks of 20 on one schema, queue
  and producer, each system's figure the median of its blocks' rates (a durable commit's cost drifts too much on a
  shared machine for runs minutes apart to compare); its pgbench figure is pgbench running that statement for a few
  seconds.`;
}
