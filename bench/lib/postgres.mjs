/**
 * The database the bench runs on: PGQRS_BENCH_DSN when set, otherwise a cluster of its own started with
 * scripts/start-postgres.sh on another port (54330) and switched to durable settings (fsync, synchronous_commit,
 * full_page_writes on), so commits cost what they cost in production. It is stopped at the end when we started it.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PORT = process.env.PGQRS_BENCH_PORT ?? "54330";
const DATA = process.env.PGQRS_BENCH_DATA ?? `/tmp/pgqrs-bench-${PORT}`;

export async function openDatabase(log) {
  if (process.env.PGQRS_BENCH_DSN) {
    log(`using PGQRS_BENCH_DSN (${maskDsn(process.env.PGQRS_BENCH_DSN)})`);
    return {
      dsn: process.env.PGQRS_BENCH_DSN,
      started: false,
      stop: async () => undefined,
      settings: await settingsOf(process.env.PGQRS_BENCH_DSN),
    };
  }
  log(`starting a PostgreSQL cluster of our own on port ${PORT} (${DATA})`);
  const env = { ...process.env, PGQRS_PG_PORT: PORT, PGQRS_PG_DATA: DATA };
  delete env.PGQRS_TEST_DSN;
  const out = execFileSync("bash", [`${ROOT}scripts/start-postgres.sh`], { env, encoding: "utf8" });
  const dsn = /PGQRS_TEST_DSN='([^']+)'/.exec(out)?.[1];
  const started = /PGQRS_PG_STARTED='1'/.test(out);
  if (dsn === undefined) throw new Error(`start-postgres.sh printed no DSN:\n${out}`);
  const c = new pg.Client({ connectionString: dsn });
  await c.connect();
  // The test cluster is tuned for speed (fsync off); benchmarks pay for durable commits like a real deployment.
  for (const setting of ["fsync = on", "synchronous_commit = on", "full_page_writes = on"]) {
    await c.query(`ALTER SYSTEM SET ${setting}`);
  }
  await c.query("SELECT pg_reload_conf()");
  await c.end();
  await new Promise((r) => setTimeout(r, 300));
  return {
    dsn,
    started,
    settings: await settingsOf(dsn),
    stop: async () => {
      if (started) execFileSync("bash", [`${ROOT}scripts/stop-postgres.sh`], { env, stdio: "ignore" });
    },
  };
}

async function settingsOf(dsn) {
  const c = new pg.Client({ connectionString: dsn });
  await c.connect();
  const { rows } = await c.query(
    `SELECT name, setting FROM pg_settings
      WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers',
                     'max_connections', 'wal_level', 'autovacuum')`,
  );
  await c.end();
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

export function maskDsn(dsn) {
  return dsn.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@");
}

/** Run statements on a fresh client. */
export async function sql(dsn, text, values = []) {
  const c = new pg.Client({ connectionString: dsn });
  await c.connect();
  try {
    return (await c.query(text, values)).rows;
  } finally {
    await c.end();
  }
}

let checkpointRefused = false;

/**
 * A CHECKPOINT before each system's timed run, so that no checkpoint starts during the run (the first writes after
 * one carry full-page images) or ends in it (its final fsync of every data file stalls the WAL flushes). Skipped,
 * with one line in the log, where the bench's role may not checkpoint (PostgreSQL 15: superuser or pg_checkpoint).
 */
export async function checkpoint(dsn, log) {
  if (checkpointRefused) return;
  try {
    await sql(dsn, "CHECKPOINT");
  } catch (err) {
    checkpointRefused = true;
    log(`  (no CHECKPOINT before timed runs: ${err instanceof Error ? err.message : String(err)})`);
  }
}

export async function dropSchemas(dsn, schemas) {
  for (const s of schemas) await sql(dsn, `DROP SCHEMA IF EXISTS "${s}" CASCADE`);
}
