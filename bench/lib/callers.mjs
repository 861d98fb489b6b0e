/**
 * `callers` async callers in this process sharing `n` enqueues: each takes the next index and awaits its own call
 * before taking another, until all `n` are done or `limitMs` has passed. Returns calls/s over the whole run.
 */
import { now } from "./stats.mjs";

export async function concurrentCallers({ n, callers, limitMs = Number.POSITIVE_INFINITY }, call) {
  let next = 0;
  let done = 0;
  const t0 = now();
  const deadline = t0 + limitMs;
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (now() < deadline) {
        const i = next++;
        if (i >= n) return;
        await call(i, caller);
        done += 1;
      }
    }),
  );
  return { perSec: (done / (now() - t0)) * 1000, capped: done < n, done };
}
