/**
 * Turso: pgqrs on a local Turso file (`turso://…`, @tursodatabase/database), modelled on sqlite.mjs: a drain of a
 * prefilled queue by one handler loop (K=1, B=1 and B=50) and single enqueues. Sizes are smaller than SQLite's:
 * a claim or archive on Turso costs milliseconds (its partial-index maintenance, docs/backends-turso-notes.md), and
 * that cost grows with the table, so the figures hold for these sizes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pgqrs from "../../dist/index.js";
import { now, waitUntil } from "../lib/stats.mjs";

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), "pgqrs-bench-turso-"));
  return { path: join(dir, "bench.db"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function withStore(queue, fn) {
  const file = tempFile();
  const store = await pgqrs.connect(`turso://${file.path}`);
  try {
    await pgqrs.admin(store).install();
    await store.queue(queue);
    return await fn(store);
  } finally {
    await store.close();
    file.remove();
  }
}

/** Prefill `n` messages in batches of 1,000, then drain them with one handler loop of batch `b`. */
export function drain({ n, b, limitMs }) {
  return withStore("drain", async (store) => {
    const producer = await store.producer("drain");
    const t0 = now();
    for (let i = 0; i < n; i += 1000) {
      const len = Math.min(1000, n - i);
      await producer.enqueueBatch(Array.from({ length: len }, (_, j) => ({ kind: "benchmark", i: i + j })));
    }
    const prefillPerSec = (n / (now() - t0)) * 1000;
    const consumer = await store.consumer("drain");
    let processed = 0;
    const stop = new AbortController();
    const builder = pgqrs.dequeue().worker(consumer).batch(b).signal(stop.signal);
    const start = now();
    const loop = (
      b === 1
        ? builder.handle(async () => {
            processed += 1;
          })
        : builder.handleBatch(async (ms) => {
            processed += ms.length;
          })
    ).poll(store);
    const finished = await waitUntil(() => processed >= n, limitMs, 1);
    const elapsed = now() - start;
    stop.abort();
    await loop;
    return { prefillPerSec, perSec: (processed / elapsed) * 1000, processed, capped: !finished };
  });
}

/** `n` single enqueues, one after another. */
export function enqueue({ n }) {
  return withStore("enq", async (store) => {
    const producer = await store.producer("enq");
    const t0 = now();
    for (let i = 0; i < n; i++) await producer.enqueue({ kind: "benchmark", i });
    return { perSec: (n / (now() - t0)) * 1000 };
  });
}

/** The Turso rows of `npm run bench` (`--only turso`). */
export async function tursoRound({ quick, attempt, record, log }) {
  const n = quick ? 500 : 2_000;
  const e = await attempt("pgqrs", "turso enqueue", () => enqueue({ n }));
  if (e !== undefined) {
    log(`  Turso enqueue: ${Math.round(e.perSec)} jobs/s`);
    record("turso_enqueue", { label: `Turso ${n} enqueues`, unit: "jobs/s", higherIsBetter: true }, "pgqrs", e.perSec);
  }
  for (const b of [1, 50]) {
    const r = await attempt("pgqrs", `turso drain B=${b}`, () => drain({ n, b, limitMs: quick ? 60_000 : 180_000 }));
    if (r === undefined) continue;
    log(`  Turso drain B=${b}: ${Math.round(r.perSec)} jobs/s${r.capped ? ` (capped: ${r.processed})` : ""}`);
    record(
      `turso_drain_b${b}`,
      { label: `Turso drain of ${n}, K=1 B=${b}`, unit: "jobs/s", higherIsBetter: true },
      "pgqrs",
      r.perSec,
      r,
    );
  }
}
