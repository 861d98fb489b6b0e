/**
 * The raw-SQL baseline: plain `pg`, one named statement to claim (`UPDATE … WHERE id IN (SELECT … FOR UPDATE
 * SKIP LOCKED) RETURNING`) and one to archive (`UPDATE … SET archived_at`), on a minimal table with a partial
 * index matching the claim. No engine around it: what the driver and the server can do with the naive loop.
 */
import pg from "pg";
import { dropSchemas, sql } from "../lib/postgres.mjs";
import { now, sleep, waitUntil, wallMs } from "../lib/stats.mjs";

let seq = 0;

async function createTable(dsn) {
  const schema = `bench_raw_${process.pid}_${++seq}`;
  await sql(dsn, `CREATE SCHEMA "${schema}"`);
  await sql(
    dsn,
    `CREATE TABLE "${schema}".q (
       id BIGSERIAL PRIMARY KEY, payload JSONB NOT NULL, vt TIMESTAMPTZ NOT NULL DEFAULT now(),
       read_ct INT NOT NULL DEFAULT 0, locked_by INT, archived_at TIMESTAMPTZ);
     CREATE INDEX ON "${schema}".q (vt, id) WHERE archived_at IS NULL;`,
  );
  return schema;
}

const claimSql = (s) => `
  UPDATE "${s}".q SET vt = now() + interval '30 seconds', read_ct = read_ct + 1, locked_by = $1
   WHERE id IN (SELECT id FROM "${s}".q WHERE archived_at IS NULL AND vt <= now()
                 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING id, payload`;
const archiveSql = (s) => `UPDATE "${s}".q SET archived_at = now() WHERE id = ANY($1::bigint[])`;

async function client(dsn) {
  const c = new pg.Client({ connectionString: dsn });
  await c.connect();
  return c;
}

export function rawSystem(dsn) {
  return {
    name: "raw SQL",
    /**
     * K clients, each its own claim loop: K competing consumers already, so `consumers` (the row "drain 16
     * consumers") runs the same K loops.
     */
    async drain({ n, k, b, limitMs, consumers = k }) {
      const schema = await createTable(dsn);
      try {
        const t0 = now();
        for (let i = 0; i < n; i += 1000) {
          await sql(
            dsn,
            `INSERT INTO "${schema}".q (payload) SELECT jsonb_build_object('kind', 'benchmark', 'i', g)
               FROM generate_series($1::int, $2::int) g`,
            [i, Math.min(n, i + 1000) - 1],
          );
        }
        const prefillPerSec = (n / (now() - t0)) * 1000;
        const clients = await Promise.all(Array.from({ length: Math.max(k, consumers) }, () => client(dsn)));
        let processed = 0;
        const deadline = now() + limitMs;
        const start = now();
        await Promise.all(
          clients.map(async (c, w) => {
            while (now() < deadline) {
              const { rows } = await c.query({ name: "claim", text: claimSql(schema), values: [w, b] });
              if (rows.length === 0) return;
              processed += rows.length;
              await c.query({ name: "archive", text: archiveSql(schema), values: [rows.map((r) => r.id)] });
            }
          }),
        );
        const elapsed = now() - start;
        await Promise.all(clients.map((c) => c.end()));
        return { prefillPerSec, perSec: (processed / elapsed) * 1000, processed, capped: processed < n };
      } finally {
        await dropSchemas(dsn, [schema]);
      }
    },

    async enqueue({ n, limitMs = Number.POSITIVE_INFINITY }) {
      const schema = await createTable(dsn);
      const c = await client(dsn);
      try {
        const text = `INSERT INTO "${schema}".q (payload) VALUES ($1)`;
        const t0 = now();
        const deadline = t0 + limitMs;
        let i = 0;
        for (; i < n && now() < deadline; i++)
          await c.query({ name: "insert", text, values: [{ kind: "benchmark", i }] });
        return { perSec: (i / (now() - t0)) * 1000, capped: i < n, done: i };
      } finally {
        await c.end();
        await dropSchemas(dsn, [schema]);
      }
    },

    /** LISTEN/NOTIFY: the insert notifies in the same statement; the listener claims on each notification. */
    async pickup({ count, gapMs, warmup = 0 }) {
      const schema = await createTable(dsn);
      const listener = await client(dsn);
      const worker = await client(dsn);
      const producer = await client(dsn);
      const latencies = [];
      let busy = false;
      let again = false;
      const drainOnce = async () => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        do {
          again = false;
          while (true) {
            const { rows } = await worker.query({ name: "claim", text: claimSql(schema), values: [1, 1] });
            if (rows.length === 0) break;
            if (rows[0].payload.warmup !== true) latencies.push(wallMs() - rows[0].payload.t);
            await worker.query({ name: "archive", text: archiveSql(schema), values: [[rows[0].id]] });
          }
        } while (again);
        busy = false;
      };
      try {
        listener.on("notification", () => {
          drainOnce().catch(() => undefined);
        });
        await listener.query(`LISTEN "${schema}_wake"`);
        const text = `WITH i AS (INSERT INTO "${schema}".q (payload) VALUES ($1) RETURNING id)
                      SELECT pg_notify('${schema}_wake', '') FROM i`;
        await sleep(300);
        for (let i = 0; i < warmup; i++) {
          await producer.query({ name: "insert_notify", text, values: [{ t: wallMs(), warmup: true }] });
          await sleep(gapMs);
        }
        const enqueueMs = [];
        for (let i = 0; i < count; i++) {
          const t = wallMs();
          await producer.query({ name: "insert_notify", text, values: [{ t }] });
          enqueueMs.push(wallMs() - t);
          await sleep(gapMs);
        }
        await waitUntil(() => latencies.length >= count, 10_000);
        // The machine's own idle round trip: a SELECT 1 after the same gap (no commit, no notification). Its spread
        // is what any pickup after an idle gap inherits from the CPUs waking (two processes, two wake-ups).
        const roundTripMs = [];
        for (let i = 0; i < Math.ceil(count / 2); i++) {
          const t = wallMs();
          await producer.query({ name: "round_trip", text: "SELECT 1" });
          roundTripMs.push(wallMs() - t);
          await sleep(gapMs);
        }
        return { latencies, enqueueMs, roundTripMs };
      } finally {
        await Promise.all([listener.end(), worker.end(), producer.end()]);
        await dropSchemas(dsn, [schema]);
      }
    },
  };
}
