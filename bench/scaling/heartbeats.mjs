/**
 * The database load of idle workers (issue 21, item 3): n workers, each a store of its own (its own pool and LISTEN
 * connection, as n processes would have) with one registered consumer, either running an idle handler loop (poll
 * interval and heartbeat at their defaults, 250 ms and 5 s) or registered only (heartbeats alone). Over a window:
 * the statements the workers sent (counted on their pools, exact), the database's transactions (commits and
 * rollbacks in pg_stat_database, less the probe's own) and, when the server runs on this machine, the CPU time of
 * its processes (/proc). Reported per worker, for a few workers and for many: flat means a worker costs the same
 * however many there are.
 */
import pg from "pg";
import * as pgqrs from "../../dist/index.js";
import { now, sleep } from "../lib/stats.mjs";
import { openSchema, serverCpuSeconds } from "./common.mjs";

/** Settle before each window: statistics reach pg_stat_database within ~1 s, an idle backend's within 10 s. */
const SETTLE_MS = 12_000;

async function openWorker(dsn, schema, counter, withLoop) {
  const pool = new pg.Pool({ connectionString: dsn, max: 2 });
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    const query = client.query.bind(client);
    client.query = (...args) => {
      counter.statements += 1;
      const q = args[0];
      const words = (text) => String(text).trim().split(/\s+/).slice(0, 2).join(" ");
      const key = typeof q === "string" ? words(q) : (q?.name ?? words(q?.text ?? "?"));
      counter.byStatement.set(key, (counter.byStatement.get(key) ?? 0) + 1);
      return query(...args);
    };
  });
  const store = await pgqrs.connect(dsn, { schema, pool });
  const consumer = await store.consumer("idle");
  const stop = new AbortController();
  const loop = withLoop
    ? pgqrs
        .dequeue()
        .worker(consumer)
        .signal(stop.signal)
        .handle(async () => undefined)
        .poll(store)
    : undefined;
  return {
    async close() {
      stop.abort();
      await loop?.catch(() => undefined);
      await store.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

async function xacts(client) {
  const {
    rows: [r],
  } = await client.query(
    `SELECT xact_commit + xact_rollback AS n FROM pg_catalog.pg_stat_database
      WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()`,
  );
  return Number(r.n);
}

async function measure({ dsn, schema, n, withLoop, windowSeconds, baseline, log }) {
  const counter = { statements: 0, byStatement: new Map() };
  const workers = [];
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    for (let i = 0; i < n; i++) workers.push(await openWorker(dsn, schema, counter, withLoop));
    await sleep(SETTLE_MS);
    const x0 = await xacts(client);
    const cpu0 = await serverCpuSeconds(client);
    const s0 = counter.statements;
    const by0 = new Map(counter.byStatement);
    const t0 = now();
    await sleep(windowSeconds * 1000);
    const statements = counter.statements - s0;
    const mix = Object.fromEntries(
      [...counter.byStatement]
        .map(([key, c]) => [key, c - (by0.get(key) ?? 0)])
        .filter(([, c]) => c > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    const seconds = (now() - t0) / 1000;
    const cpu1 = await serverCpuSeconds(client);
    // Let the last backend reports of the window arrive (at most one second late for busy backends).
    await sleep(1_500);
    const x1 = await xacts(client);
    // The probes between the two reads: one xacts, two CPU reads.
    const xactsPerSec = (x1 - x0 - 3) / seconds;
    const cpuMsPerSec = cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) * 1000) / seconds;
    if (n === 0) return { workers: 0, seconds, xactsPerSec, cpuMsPerSec };
    // Per worker: what the database did beyond its idle baseline (no workers), divided among the workers.
    const per = (x, base) => (x === null || base === null ? null : (x - (base ?? 0)) / n);
    const r = {
      workers: n,
      withLoop,
      seconds,
      statementsPerSecPerWorker: statements / seconds / n,
      xactsPerSecPerWorker: per(xactsPerSec, baseline?.xactsPerSec),
      serverCpuMsPerSecPerWorker: per(cpuMsPerSec, baseline?.cpuMsPerSec),
      statementMix: Object.fromEntries(Object.entries(mix).map(([k, c]) => [k, Number((c / seconds / n).toFixed(2))])),
    };
    log(
      `  scaling: ${n} ${withLoop ? "idle worker loops" : "registered workers (heartbeats only)"}: per worker ${r.statementsPerSecPerWorker.toFixed(2)} statements/s, ${r.xactsPerSecPerWorker?.toFixed(2)} transactions/s, server CPU ${r.serverCpuMsPerSecPerWorker?.toFixed(2) ?? "?"} ms/s`,
    );
    return r;
  } finally {
    for (const w of workers) await w.close();
    await client.end();
  }
}

export async function idleWorkers({ dsn, counts, windowSeconds, log }) {
  const db = await openSchema(dsn, "hb", { maxConnections: 2 });
  try {
    await db.store.queue("idle");
    const baseline = await measure({ dsn, schema: db.schema, n: 0, withLoop: false, windowSeconds, log });
    log(
      `  scaling: no workers: ${baseline.xactsPerSec.toFixed(2)} transactions/s, server CPU ${baseline.cpuMsPerSec?.toFixed(2) ?? "?"} ms/s`,
    );
    const cases = [];
    const at = { dsn, schema: db.schema, windowSeconds, baseline, log };
    for (const n of counts) cases.push(await measure({ ...at, n, withLoop: true }));
    cases.push(await measure({ ...at, n: Math.max(...counts), withLoop: false }));
    return { counts, windowSeconds, baseline, cases };
  } finally {
    await db.close();
  }
}
