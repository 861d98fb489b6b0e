/** Medians, nearest-rank percentiles and a monotonic clock in milliseconds. */
export const now = () => performance.now();

/** Wall-clock ms with sub-ms precision, comparable across the values one process puts in payloads. */
export const wallMs = () => performance.timeOrigin + performance.now();

export function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest rank: the value at round(p·(n−1)) of the sorted sample. */
export function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v[Math.round(p * (v.length - 1))];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Wait until `done()` or `limitMs` passes; resolves with whether it finished. */
export async function waitUntil(done, limitMs, stepMs = 2) {
  const end = now() + limitMs;
  while (!done()) {
    if (now() > end) return false;
    await sleep(stepMs);
  }
  return true;
}

/** A promise resolved from outside. */
export function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
