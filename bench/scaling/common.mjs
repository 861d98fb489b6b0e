/**
 * Shared parts of the scaling scenarios (issue 21, item 3): a pgqrs store in a schema of its own, backlogs written
 * with one INSERT … SELECT generate_series into pgqrs's own table (a million enqueue calls would measure the
 * producer, not the claim), and an in-process K×B drain of a given number of messages.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as pgqrs from "../../dist/index.js";
import { dropSchemas, sql } from "../lib/postgres.mjs";
import { now, waitUntil } from "../lib/stats.mjs";

let seq = 0;

/** Quoted `schema.table`. */
export const table = (schema, name) => `"${schema}".${name}`;

/** A store in a fresh schema (installed); `close()` drops the schema. */
export async function openSchema(dsn, tag, { maxConnections = 18 } = {}) {
  const schema = `bench_scale_${tag}_${process.pid}_${++seq}`;
  const store = await pgqrs.connect(dsn, { schema, maxConnections });
  await pgqrs.admin(store).install();
  return {
    store,
    schema,
    async close() {
      await store.close().catch(() => undefined);
      await dropSchemas(dsn, [schema]);
    },
  };
}

/**
 * Append `n` visible messages to queue `queueId`, oldest first, in statements of at most 250,000 rows. Each row is
 * what `enqueue` writes for a small JSON payload (no producer, priority 0, no keys); `enqueued_at` increases by
 * one microsecond per row after every row already there, so claims take them in insertion order.
 */
export async function fillPending(dsn, schema, queueId, n) {
  const messages = table(schema, "pgqrs_messages");
  for (let done = 0; done < n; ) {
    const len = Math.min(250_000, n - done);
    await sql(
      dsn,
      `INSERT INTO ${messages} (queue_id, payload, vt, enqueued_at)
       SELECT $1, pg_catalog.jsonb_build_object('kind', 'benchmark', 'i', g), t, t
         FROM (SELECT COALESCE(pg_catalog.max(enqueued_at), pg_catalog.now() - interval '1 day') AS base
                 FROM ${messages} WHERE queue_id = $1) b,
              pg_catalog.generate_series(1, $2::int) g,
              LATERAL (SELECT b.base + g * interval '1 microsecond' AS t) x`,
      [queueId, len],
    );
    done += len;
  }
}

/** Append `n` messages archived 30 days ago to queue `queueId` (a queue's history, as retention would keep it). */
export async function fillArchived(dsn, schema, queueId, n) {
  const messages = table(schema, "pgqrs_messages");
  for (let done = 0; done < n; ) {
    const len = Math.min(250_000, n - done);
    await sql(
      dsn,
      `INSERT INTO ${messages} (queue_id, payload, vt, enqueued_at, read_ct, dequeued_at, archived_at)
       SELECT $1, pg_catalog.jsonb_build_object('kind', 'history', 'i', g), t, t, 1, t, t
         FROM pg_catalog.generate_series(1, $2::int) g,
              LATERAL (SELECT pg_catalog.now() - interval '30 days' + g * interval '1 millisecond' AS t) x`,
      [queueId, len],
    );
    done += len;
  }
}

/** Messages of the queue not yet archived. */
export async function pendingCount(dsn, schema, queueId) {
  const [r] = await sql(
    dsn,
    `SELECT pg_catalog.count(*) AS n FROM ${table(schema, "pgqrs_messages")} WHERE queue_id = $1 AND archived_at IS NULL`,
    [queueId],
  );
  return Number(r.n);
}

/** Top the queue up to exactly `size` unarchived messages (a fill of what is missing). */
export async function topUp(dsn, schema, queueId, size) {
  const missing = size - (await pendingCount(dsn, schema, queueId));
  if (missing > 0) await fillPending(dsn, schema, queueId, missing);
  return missing;
}

export async function analyze(dsn, schema) {
  await sql(dsn, `ANALYZE ${table(schema, "pgqrs_messages")}`);
}

/**
 * Drain `n` messages of `queue` with one consumer loop (a new consumer: a loop stops its consumer when it ends) at
 * concurrency `k`, batch `b` and a no-op handler; jobs/s from the loop's start to the n-th message handled.
 */
export async function drainCount(store, queue, { n, k, b, limitMs = 120_000 }) {
  const consumer = await store.consumer(queue);
  let processed = 0;
  const stop = new AbortController();
  const t0 = now();
  const loop = pgqrs
    .dequeue()
    .worker(consumer)
    .batch(b)
    .concurrency(k)
    .signal(stop.signal)
    .handleBatch(async (ms) => {
      processed += ms.length;
    })
    .poll(store);
  const finished = await waitUntil(() => processed >= n, limitMs, 1);
  const elapsed = now() - t0;
  stop.abort();
  await loop;
  return { perSec: (processed / elapsed) * 1000, processed, ms: elapsed, capped: !finished };
}

/** CPU seconds used so far by the server's processes (postmaster and its children), or null when not local. */
export async function serverCpuSeconds(client) {
  try {
    const {
      rows: [r],
    } = await client.query("SELECT pg_catalog.current_setting('data_directory') AS dir");
    const postmaster = Number(readFileSync(`${r.dir}/postmaster.pid`, "utf8").split("\n")[0]);
    let ticks = 0;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      // Fields after the command name (which may hold spaces): state ppid … utime(14) stime(15) cutime(16) cstime(17).
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
      // The postmaster's own time, and (cutime, cstime) that of its children that have exited: backends come and go.
      if (Number(entry) === postmaster) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    }
    return ticks / 100;
  } catch {
    return null;
  }
}
