/** The floors the issues set, checked against one run's medians (written to docs/benchmarks.md and the terminal). */
import { enqueueFloors } from "../enqueue-concurrent.mjs";
import { advantage } from "../lib/report.mjs";

/** `a / b` as "N.NNx", or "n/a". */
export function ratioOf(a, b) {
  return a === null || b === null || b === 0 ? "n/a" : `${(a / b).toFixed(2)}x`;
}

/** Every floor as `{ floor, met, detail }`; `met` is null when its figures were not measured. */
export function checkFloors(figures) {
  const f = (id) => figures.get(id);
  const adv = (id, other) => (f(id) === undefined ? null : advantage(f(id), "pgqrs", other));
  const val = (id, s) => f(id)?.values[s]?.median ?? null;
  const ratio = (r) => (r === null ? "n/a" : `${r.toFixed(2)}x`);
  const out = [];
  const floor = (name, met, detail) => out.push({ floor: name, met, detail });
  const both = (...xs) => (xs.some((x) => x === null) ? null : xs.every(Boolean));
  const a1 = adv("drain_k16_b50", "raw SQL");
  const a2 = adv("drain_k16_b50", "graphile-worker");
  floor(
    "drain K=16 B=50 >= 0.8x raw and >= 1.5x graphile-worker",
    both(a1 === null ? null : a1 >= 0.8, a2 === null ? null : a2 >= 1.5),
    `${ratio(a1)} raw, ${ratio(a2)} graphile-worker`,
  );
  const c1 = adv("drain_c16_b50", "raw SQL");
  floor(
    "drain 16 consumers B=50 >= 0.8x raw",
    c1 === null ? null : c1 >= 0.8,
    `${ratio(c1)} raw, ${ratio(adv("drain_c16_b50", "graphile-worker"))} graphile-worker`,
  );
  const a3 = adv("drain_k1_b1", "graphile-worker");
  floor(
    "drain K=1 B=1 ahead of graphile-worker",
    a3 === null ? null : a3 > 1,
    `${ratio(a3)} graphile-worker (${ratio(adv("drain_k1_b1", "raw SQL"))} raw)`,
  );
  const a4 = adv("enqueue", "raw SQL");
  floor(
    "sequential enqueue >= 0.9x raw single INSERT",
    a4 === null ? null : a4 >= 0.9,
    `${ratio(a4)} raw (node-postgres loop); ${ratio(adv("enqueue", "pgbench"))} pgbench; ${ratio(adv("enqueue_table", "pgbench"))} of pgbench inserting into pgqrs's own table`,
  );
  enqueueFloors({ adv, floor, ratio });
  const p50 = val("pickup_p50", "pgqrs");
  const g50 = val("pickup_p50", "graphile-worker");
  const p99 = val("pickup_p99", "pgqrs");
  floor(
    "pickup p50 <= 2 ms and <= graphile-worker's; p99 <= 5 ms",
    p50 === null ? null : p50 <= 2 && (g50 === null || p50 <= g50) && p99 !== null && p99 <= 5,
    `p50 ${p50?.toFixed(2)} ms (graphile-worker ${g50?.toFixed(2)} ms; the enqueue call alone ${val("pickup_enqueue_p50", "pgqrs")?.toFixed(2)} ms), p99 ${p99?.toFixed(2)} ms`,
  );
  const spread = p50 === null || p99 === null ? null : p99 / p50;
  floor(
    "pickup p99 <= 2x p50 (issue 21)",
    spread === null ? null : spread <= 2,
    `p99 ${p99?.toFixed(2)} ms = ${spread === null ? "n/a" : spread.toFixed(2)}x p50 (raw NOTIFY loop ${ratioOf(val("pickup_p99", "raw SQL"), val("pickup_p50", "raw SQL"))}, graphile-worker ${ratioOf(val("pickup_p99", "graphile-worker"), val("pickup_p50", "graphile-worker"))}; a raw node-postgres INSERT's durable commit after the same gap (the raw loop's enqueue call): p99 ${ratioOf(val("pickup_enqueue_p99", "raw SQL"), val("pickup_enqueue_p50", "raw SQL"))} its p50; the enqueue call alone: p99 ${val("pickup_enqueue_p99", "pgqrs")?.toFixed(2)} ms = ${ratioOf(val("pickup_enqueue_p99", "pgqrs"), val("pickup_enqueue_p50", "pgqrs"))} its p50; this machine's idle SELECT 1 round trip: p99 ${ratioOf(val("pickup_round_trip_p99", "raw SQL"), val("pickup_round_trip_p50", "raw SQL"))} its p50)`,
  );
  const dbos = val("workflow_rate", "DBOS");
  const absurd = val("workflow_rate", "Absurd");
  const w = val("workflow_rate", "pgqrs");
  // Issue 21: >= 2x Absurd; Absurd ran at 1.75x DBOS on this kind of machine, so without Absurd: >= 3.5x DBOS.
  const need = absurd !== null ? 2 * absurd : dbos !== null ? 3.5 * dbos : null;
  floor(
    "3-step workflows >= 2x Absurd (>= 3.5x DBOS when Absurd is not measured) (issue 21)",
    w === null || need === null ? null : w >= need,
    `${w?.toFixed(1)} runs/s vs DBOS ${dbos?.toFixed(1)} (${w && dbos ? (w / dbos).toFixed(2) : "n/a"}x)${absurd === null ? "" : `, Absurd ${absurd.toFixed(1)}`}`,
  );
  const s1 = adv("sqlite_drain_b1", "raw SQL");
  const s2 = adv("sqlite_drain_b50", "raw SQL");
  const s3 = adv("sqlite_enqueue", "raw SQL");
  floor(
    "SQLite >= 0.7x raw better-sqlite3",
    both(...[s1, s2, s3].map((x) => (x === null ? null : x >= 0.7))),
    `drain B=1 ${ratio(s1)}, drain B=50 ${ratio(s2)}, enqueue ${ratio(s3)} (${ratio(adv("sqlite_enqueue_table", "raw SQL"))} a raw loop running pgqrs's insert into pgqrs's own table)`,
  );
  return out;
}
