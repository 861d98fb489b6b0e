/**
 * The dashboard overview on a big database: `queues` queues (default 10,000) holding `messages` messages (default
 * 100,000, half archived), served by `startDashboard` from this repository's build. Times the first load, the
 * median of 5 warm loads (each past the 1 s aggregate cache), and 10 concurrent loads; reports the page's bytes.
 *
 * Standalone: `node bench/dashboard-scale.mjs [--queues N] [--messages N]` with PGQRS_BENCH_DSN or PGQRS_TEST_DSN
 * set (`npm run build` first). `bench/run.mjs --only dashboard` calls {@link dashboardScale} on its database.
 * The queues and messages are inserted with plain SQL (seeding 10,000 queues through the API would dominate the
 * run); every read goes through the dashboard.
 */
import { fileURLToPath } from "node:url";
import { startDashboard } from "../dist/dashboard/server.js";
import * as pgqrs from "../dist/index.js";
import { dropSchemas, sql } from "./lib/postgres.mjs";
import { median, sleep } from "./lib/stats.mjs";

/** @returns {Promise<{queues: number, messages: number, bytes: number, firstMs: number, warmMs: number, concurrentMaxMs: number}>} */
export async function dashboardScale({ dsn, queues = 10_000, messages = 100_000, log = () => undefined }) {
  const schema = `bench_dashboard_${process.pid}`;
  const store = await pgqrs.connect(dsn, { schema });
  let dashboard;
  try {
    await pgqrs.admin(store).install();
    const q = `"${schema}"`;
    const t0 = performance.now();
    await sql(
      dsn,
      `INSERT INTO ${q}.pgqrs_queues (queue_name)
       SELECT 'queue_' || pg_catalog.lpad(i::text, 6, '0') FROM pg_catalog.generate_series(1, $1::int) i`,
      [queues],
    );
    await sql(
      dsn,
      `INSERT INTO ${q}.pgqrs_messages (queue_id, payload, vt, enqueued_at, read_ct, archived_at)
       SELECT qu.id, pg_catalog.jsonb_build_object('n', i), pg_catalog.now(), pg_catalog.now(), 0,
              CASE WHEN i % 2 = 0 THEN pg_catalog.now() - (i % 3600) * interval '1 second' END
         FROM pg_catalog.generate_series(1, $1::int) i
         JOIN ${q}.pgqrs_queues qu ON qu.id = 1 + (i % $2::int)`,
      [messages, queues],
    );
    await sql(dsn, `ANALYZE ${q}.pgqrs_queues; ANALYZE ${q}.pgqrs_messages`);
    log(
      `dashboard: seeded ${queues} queues, ${messages} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    dashboard = await startDashboard({ store, host: "127.0.0.1", port: 0 });
    const load = async () => {
      const t = performance.now();
      const res = await fetch(dashboard.url);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`overview: HTTP ${res.status}`);
      return { ms: performance.now() - t, bytes: Buffer.byteLength(body) };
    };
    const first = await load();
    const warm = [];
    for (let i = 0; i < 5; i += 1) {
      await sleep(1_100); // past the aggregate cache, so every load reads
      warm.push((await load()).ms);
    }
    await sleep(1_100);
    const together = await Promise.all(Array.from({ length: 10 }, load));
    const result = {
      queues,
      messages,
      bytes: first.bytes,
      firstMs: Math.round(first.ms),
      warmMs: Math.round(median(warm)),
      concurrentMaxMs: Math.round(Math.max(...together.map((r) => r.ms))),
    };
    log(
      `dashboard overview at ${queues} queues: ${result.bytes} bytes, first ${result.firstMs} ms, warm ${result.warmMs} ms, 10 at once ≤ ${result.concurrentMaxMs} ms`,
    );
    return result;
  } finally {
    await dashboard?.close();
    await store.close();
    await dropSchemas(dsn, [schema]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const dsn = process.env.PGQRS_BENCH_DSN ?? process.env.PGQRS_TEST_DSN;
  if (dsn === undefined) throw new Error("set PGQRS_BENCH_DSN (or PGQRS_TEST_DSN) to a PostgreSQL DSN");
  const result = await dashboardScale({
    dsn,
    queues: flag("--queues", 10_000),
    messages: flag("--messages", 100_000),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
