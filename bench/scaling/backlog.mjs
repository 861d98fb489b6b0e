/**
 * Cost as the backlog grows, and as the history grows (issue 21, item 3). One schema per case, so each case's
 * table holds only its own rows:
 *
 * - backlog `size` (e.g. 10,000, 100,000, 1,000,000): the queue is topped up to exactly `size` visible messages,
 *   then `window` of them are drained (K=16 B=50, no-op handler): jobs/s over the window.
 * - history: a 10,000 backlog (`window`) in a queue that also holds `archived` archived rows, against the same
 *   backlog in a queue whose archived rows are deleted before each window (none). Besides the drain, the claim
 *   alone: `claims` sequential one-message claims (`consumer.dequeue()`), p50 of their round trips.
 *
 * Cases are interleaved round after round (every case once per round), so drift on the shared machine hits them
 * alike; each figure is the median over rounds.
 */
import { sql } from "../lib/postgres.mjs";
import { median, now, percentile } from "../lib/stats.mjs";
import { analyze, drainCount, fillArchived, openSchema, table, topUp } from "./common.mjs";

const K = 16;
const B = 50;

async function openCase(dsn, tag, { archived = 0 } = {}) {
  const db = await openSchema(dsn, tag);
  const queue = await db.store.queue("backlog");
  if (archived > 0) await fillArchived(dsn, db.schema, queue.id, archived);
  return { ...db, queue };
}

/** p50 and p99 (ms) of `count` sequential one-message claims; the claimed messages are archived after. */
async function claimLatency(c, count) {
  const consumer = await c.store.consumer("backlog");
  const ms = [];
  const ids = [];
  for (let i = 0; i < count; i++) {
    const t = now();
    const [m] = await consumer.dequeue({ batchSize: 1 });
    ms.push(now() - t);
    if (m !== undefined) ids.push(m.id);
  }
  if (ids.length > 0) await consumer.archiveMany(ids);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

export async function backlogScaling({ dsn, sizes, window, archived, rounds, claims, log }) {
  const bySize = new Map();
  const opened = [];
  try {
    for (const size of sizes) {
      const t0 = now();
      const c = await openCase(dsn, `b${size}`);
      opened.push(c);
      await topUp(dsn, c.schema, c.queue.id, size);
      await analyze(dsn, c.schema);
      log(`  scaling: backlog of ${size} written in ${((now() - t0) / 1000).toFixed(1)} s`);
      bySize.set(size, { c, rates: [] });
    }
    const t1 = now();
    const none = await openCase(dsn, "h0");
    opened.push(none);
    const history = await openCase(dsn, "h1", { archived });
    opened.push(history);
    await analyze(dsn, history.schema);
    log(`  scaling: ${archived} archived rows written in ${((now() - t1) / 1000).toFixed(1)} s`);
    const hist = {
      none: { c: none, rates: [], claims: [] },
      archived: { c: history, rates: [], claims: [] },
    };

    // Warm-up (plan caches, pool, JIT) on the smallest case, not counted.
    const first = bySize.get(sizes[0]).c;
    await drainCount(first.store, "backlog", { n: Math.min(window, 2_000), k: K, b: B });

    for (let round = 1; round <= rounds; round++) {
      for (const size of sizes) {
        const { c, rates } = bySize.get(size);
        await topUp(dsn, c.schema, c.queue.id, size);
        const r = await drainCount(c.store, "backlog", { n: window, k: K, b: B });
        rates.push(r.perSec);
        log(`  scaling: backlog ${size}, round ${round}: ${Math.round(r.perSec)} jobs/s over ${r.processed}`);
      }
      for (const [name, h] of Object.entries(hist)) {
        if (name === "none") {
          await sql(dsn, `DELETE FROM ${table(h.c.schema, "pgqrs_messages")} WHERE archived_at IS NOT NULL`);
        }
        await topUp(dsn, h.c.schema, h.c.queue.id, window);
        const r = await drainCount(h.c.store, "backlog", { n: window, k: K, b: B });
        h.rates.push(r.perSec);
        await topUp(dsn, h.c.schema, h.c.queue.id, claims);
        h.claims.push(await claimLatency(h.c, claims));
        const last = h.claims.at(-1);
        log(
          `  scaling: ${name === "none" ? "no" : archived} archived rows, round ${round}: ${Math.round(r.perSec)} jobs/s; claim p50 ${last.p50.toFixed(2)} ms`,
        );
      }
    }
    const sizeRates = sizes.map((size) => ({
      size,
      rates: bySize.get(size).rates,
      perSec: median(bySize.get(size).rates),
    }));
    const summary = (h) => ({
      rates: h.rates,
      perSec: median(h.rates),
      claimP50: median(h.claims.map((x) => x.p50)),
      claimP99: median(h.claims.map((x) => x.p99)),
    });
    return {
      k: K,
      b: B,
      window,
      rounds,
      sizes: sizeRates,
      archived,
      claims,
      history: { none: summary(hist.none), archived: summary(hist.archived) },
    };
  } finally {
    for (const c of opened) await c.close();
  }
}
