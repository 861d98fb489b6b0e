/**
 * A worker process of the scaling scenarios (spawned by memory.mjs and processes.mjs with an IPC channel): one
 * store and one consumer loop (`dequeue().batch(b).concurrency(k).handleBatch(no-op).poll(store)`) on an existing
 * schema and queue. It says `ready` once connected, starts on `go`, and ends when it has handled `count` messages
 * or the window ends, whichever comes first, then reports `done` and exits. The window opens `warmupMs` after `go`
 * (connections, plans and JIT warmed; every process of a pass gets `go` at once, so their windows coincide) and
 * lasts `windowMs`; `processed` counts only the messages handled inside it, and `cpuMs` the process's CPU time in it.
 *
 * Every `sampleEvery` messages it reports a sample: messages handled, ms since `go`, and its memory (RSS and, after
 * a full collection when run with --expose-gc, the live heap) — the memory curve of a long drain.
 *
 * Argument: one JSON object { dsn, schema, queue, k, b, count, warmupMs, windowMs, sampleEvery }.
 */
import * as pgqrs from "../../dist/index.js";

const opts = JSON.parse(process.argv[2]);
const send = (m) => new Promise((resolve) => process.send(m, undefined, {}, () => resolve()));

function memory() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers };
}

async function main() {
  const store = await pgqrs.connect(opts.dsn, { schema: opts.schema, maxConnections: opts.k + 2 });
  const consumer = await store.consumer(opts.queue);
  const go = new Promise((resolve) => process.once("message", resolve));
  await send({ type: "ready", pid: process.pid });
  await go;
  const t0 = performance.now();
  const samples = [{ processed: 0, ms: 0, ...memory() }];
  if (opts.sampleEvery !== undefined) await send({ type: "sample", ...samples[0] });
  let processed = 0;
  let nextSample = opts.sampleEvery ?? Number.POSITIVE_INFINITY;
  const stop = new AbortController();
  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  let base = 0;
  let cpu0 = process.cpuUsage();
  const warmup = setTimeout(() => {
    base = processed;
    cpu0 = process.cpuUsage();
  }, opts.warmupMs ?? 0);
  const timer = setTimeout(() => finish(), (opts.warmupMs ?? 0) + (opts.windowMs ?? 2 ** 31 - 1));
  const loop = pgqrs
    .dequeue()
    .worker(consumer)
    .batch(opts.b)
    .concurrency(opts.k)
    .signal(stop.signal)
    .handleBatch(async (ms) => {
      processed += ms.length;
      if (processed >= nextSample) {
        nextSample += opts.sampleEvery;
        const s = { processed, ms: performance.now() - t0, ...memory() };
        samples.push(s);
        await send({ type: "sample", ...s });
      }
      if (processed >= opts.count) finish();
    })
    .poll(store);
  await finished;
  const ms = performance.now() - t0 - (opts.warmupMs ?? 0);
  const handled = processed - base;
  const cpu = process.cpuUsage(cpu0);
  clearTimeout(timer);
  clearTimeout(warmup);
  stop.abort();
  await loop;
  await store.close();
  await send({
    type: "done",
    processed: handled,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    samples: samples.length,
    end: memory(),
  });
  process.disconnect();
}

main().catch(async (err) => {
  await send({ type: "error", message: err instanceof Error ? err.stack : String(err) }).catch(() => undefined);
  process.exit(1);
});
