/**
 * Shared parts of the workflow-primitive scenarios (issue 15): a pgqrs store in a fresh schema whose pool counts
 * the statements pgqrs sends, the server's own counters for that schema, and small waits.
 */
import pg from "pg";
import * as pgqrs from "../../dist/index.js";
import { dropSchemas } from "../lib/postgres.mjs";
import { now, sleep } from "../lib/stats.mjs";

let seq = 0;

/**
 * A store in a schema of its own, on a pool of ours (pgqrs never ends a pool it was given) whose clients count every
 * `query` call: each is one statement (one round trip) pgqrs sent. The LISTEN connection is pgqrs's own and
 * is not counted; it only listens.
 */
export async function openCountedStore(dsn, { maxConnections = 8, tag = "prim" } = {}) {
  const schema = `bench_${tag}_${process.pid}_${++seq}`;
  const counter = { statements: 0, byStatement: new Map() };
  const pool = new pg.Pool({ connectionString: dsn, max: maxConnections });
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    const query = client.query.bind(client);
    client.query = (...args) => {
      counter.statements += 1;
      const key = statementKey(args[0]);
      counter.byStatement.set(key, (counter.byStatement.get(key) ?? 0) + 1);
      return query(...args);
    };
  });
  const store = await pgqrs.connect(dsn, { schema, pool });
  await pgqrs.admin(store).install();
  const extra = [];
  let closed = false;
  return {
    store,
    schema,
    counter,
    /** Another store on the same schema (its own pool), closed with this one. */
    async other() {
      const s = await pgqrs.connect(dsn, { schema, maxConnections: 4 });
      extra.push(s);
      return s;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of extra) await s.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await dropSchemas(dsn, [schema]);
    },
  };
}

/** A short name for a statement: its prepared name, else its first words (schema qualifiers dropped). */
function statementKey(q) {
  const words = (text) =>
    String(text)
      .replace(/"[^"]+"\./g, "")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 60);
  if (typeof q === "string") return words(q);
  if (q !== null && typeof q === "object") return q.name ?? words(q.text ?? "?");
  return "?";
}

/** A plain node-postgres client for the bench's own reads (not counted). */
export async function probeClient(dsn) {
  const c = new pg.Client({ connectionString: dsn });
  await c.connect();
  return c;
}

/** Quoted `schema.table`. */
export const table = (schema, name) => `"${schema}".${name}`;

/**
 * The server's counters: commits in this database, and scans and rows read on the schema's tables (the pgqrs
 * tables only, so catalog reads of the probe itself do not count). One probe is one transaction.
 */
export async function serverCounters(client, schema) {
  const {
    rows: [r],
  } = await client.query(
    `SELECT (SELECT xact_commit + xact_rollback FROM pg_catalog.pg_stat_database
              WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) AS xacts,
            COALESCE(pg_catalog.sum(COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0)), 0) AS scans,
            COALESCE(pg_catalog.sum(COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0)), 0) AS rows_read
       FROM pg_catalog.pg_stat_user_tables WHERE schemaname OPERATOR(pg_catalog.=) $1`,
    [schema],
  );
  const { rows: parts } = await client.query(
    `SELECT indexrelname AS name, idx_scan AS scans, idx_tup_fetch AS rows_read
       FROM pg_catalog.pg_stat_user_indexes WHERE schemaname OPERATOR(pg_catalog.=) $1
     UNION ALL
     SELECT relname || ' (seq)', seq_scan, seq_tup_read
       FROM pg_catalog.pg_stat_user_tables WHERE schemaname OPERATOR(pg_catalog.=) $1`,
    [schema],
  );
  const byRelation = Object.fromEntries(parts.map((p) => [p.name, [Number(p.scans ?? 0), Number(p.rows_read ?? 0)]]));
  return { xacts: Number(r.xacts), scans: Number(r.scans), rowsRead: Number(r.rows_read), byRelation };
}

/**
 * Measure what an idle store costs over `seconds`: statements its pool sent (exact, client side), and, from the
 * server's statistics, transactions in the database (minus the one probe that opens the window) and scans and
 * rows read on the schema's tables. Per second.
 */
export async function idleCost({ client, schema, counter, seconds }) {
  const before = await serverCounters(client, schema);
  const statements0 = counter.statements;
  const by0 = new Map(counter.byStatement);
  const t0 = now();
  await sleep(seconds * 1000);
  const statements = counter.statements - statements0;
  const elapsedS = (now() - t0) / 1000;
  const after = await serverCounters(client, schema);
  const per = (x) => Math.max(0, x) / elapsedS;
  const mix = [...counter.byStatement]
    .map(([key, c]) => [key, c - (by0.get(key) ?? 0)])
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1]);
  return {
    seconds: Number(elapsedS.toFixed(2)),
    statementsPerSec: per(statements),
    xactsPerSec: per(after.xacts - before.xacts - 1),
    scansPerSec: per(after.scans - before.scans),
    rowsReadPerSec: per(after.rowsRead - before.rowsRead),
    /** `[scans, rows read]` in the window per index (and per table's sequential scans), where any changed. */
    scansByRelation: Object.fromEntries(
      Object.entries(after.byRelation)
        .map(([name, [scans, rows]]) => {
          const [s0, r0] = before.byRelation[name] ?? [0, 0];
          return [name, [scans - s0, rows - r0]];
        })
        .filter(([, [scans, rows]]) => scans > 0 || rows > 0),
    ),
    /** Statements sent in the window by kind (prepared name or first words), most frequent first. */
    statementMix: Object.fromEntries(mix),
  };
}

/** Poll `read()` every `stepMs` until `done(value)`; resolves with the last value, or throws after `limitMs`. */
export async function pollUntil(read, done, { limitMs, stepMs = 250, what = "condition" }) {
  const end = now() + limitMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (now() > end)
      throw new Error(`timed out after ${limitMs} ms waiting for ${what} (last: ${JSON.stringify(value)})`);
    await sleep(stepMs);
  }
}
