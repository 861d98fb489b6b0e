/**
 * Two systems' sequential calls run side by side: alternating blocks of `block` calls (which goes first alternates
 * too), each system's rate the median of its blocks' rates. On a shared machine a call's cost drifts within a
 * minute (a durable commit's by several times), so only figures taken in the same window compare two systems; a
 * burst of load that spans a few blocks does not decide the median.
 */
import { median } from "./stats.mjs";

/**
 * `calls.pgqrs(i)` and `calls.raw(i)` `n` times each after `warmup` calls each (not counted: prepared statements,
 * JIT). Stops early when either system has spent `limitMs` (ms). Returns `{ pgqrs, raw }`, each
 * `{ perSec, meanPerSec, capped, done }` (calls/s: the median block's, and over all blocks).
 */
export async function alternatingBlocks({ n, block, warmup, calls, limitMs = Number.POSITIVE_INFINITY }) {
  const spent = { pgqrs: 0, raw: 0 };
  const done = { pgqrs: 0, raw: 0 };
  const rates = { pgqrs: [], raw: [] };
  for (let i = 0; i < warmup; i++) {
    await calls.pgqrs(i);
    await calls.raw(i);
  }
  for (let b = 0; done.pgqrs < n && Math.max(spent.pgqrs, spent.raw) < limitMs; b++) {
    const size = Math.min(block, n - done.pgqrs);
    for (const name of b % 2 === 0 ? ["pgqrs", "raw"] : ["raw", "pgqrs"]) {
      const t0 = performance.now();
      for (let i = 0; i < size; i++) await calls[name](done[name] + i);
      const ms = performance.now() - t0;
      spent[name] += ms;
      done[name] += size;
      rates[name].push((size / ms) * 1000);
    }
  }
  const rate = (name) => ({
    perSec: median(rates[name]),
    meanPerSec: (done[name] / spent[name]) * 1000,
    capped: done[name] < n,
    done: done[name],
  });
  return { pgqrs: rate("pgqrs"), raw: rate("raw") };
}
