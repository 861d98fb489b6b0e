/**
 * pgbench (the C client shipped with PostgreSQL): the server's own limits for a single-row INSERT per transaction
 * and for claim-and-archive in one statement, without any Node.js in the way. Optional: skipped when the binary
 * is not found.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pgqrs from "../../dist/index.js";
import { dropSchemas, sql } from "../lib/postgres.mjs";

function findPgbench() {
  if (process.env.PGBENCH) return process.env.PGBENCH;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, "bin", "pgbench");
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

function run(bin, dsn, script, clients, seconds) {
  const dir = mkdtempSync(join(tmpdir(), "pgqrs-pgbench-"));
  const file = join(dir, "script.sql");
  writeFileSync(file, script);
  const out = execFileSync(
    bin,
    [
      "-n",
      "-c",
      String(clients),
      "-j",
      String(Math.min(clients, 2)),
      "-T",
      String(seconds),
      "-M",
      "prepared",
      "-f",
      file,
      dsn,
    ],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const tps = /tps = ([\d.]+)/.exec(out)?.[1];
  return tps === undefined ? null : Number(tps);
}

export function pgbenchSystem(dsn) {
  const bin = findPgbench();
  return {
    name: "pgbench",
    available: bin !== undefined,
    /** Single-row INSERTs, one client: transactions/s. */
    async insert({ seconds }) {
      const schema = `bench_pgbench_${process.pid}`;
      await sql(
        dsn,
        `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".q (id BIGSERIAL PRIMARY KEY, payload JSONB NOT NULL, vt TIMESTAMPTZ NOT NULL DEFAULT now(), read_ct INT NOT NULL DEFAULT 0, locked_by INT, archived_at TIMESTAMPTZ); CREATE INDEX ON "${schema}".q (vt, id) WHERE archived_at IS NULL;`,
      );
      try {
        return {
          perSec: run(bin, dsn, `INSERT INTO "${schema}".q (payload) VALUES ('{"kind":"benchmark"}');\n`, 1, seconds),
        };
      } finally {
        await dropSchemas(dsn, [schema]);
      }
    },
    /**
     * pgqrs's own enqueue statement (the insert with its notification) into a pgqrs-installed schema, from `clients`
     * C clients (default one): transactions/s. The ceiling of pgqrs's schema for that many concurrent enqueuers,
     * each committing its own row, with no Node.js in the way.
     */
    async insertPgqrsTable({ seconds, clients = 1 }) {
      const schema = `bench_pgbench_table_${process.pid}`;
      const store = await pgqrs.connect(dsn, { schema });
      try {
        await pgqrs.admin(store).install();
        const queue = await store.queue("enq");
        const producer = await store.producer("enq");
        const channel = `pgqrs_enqueue_${createHash("md5").update(schema).digest("hex")}`;
        const script = `INSERT INTO "${schema}".pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id)
  VALUES (${queue.id}, '{"kind":"benchmark"}', 0, now(), now(), ${producer.id})
  RETURNING id, (SELECT pg_notify('${channel}', '${queue.id}@pgbench')) AS notified;\n`;
        return { perSec: run(bin, dsn, script.replaceAll("\n  ", " "), clients, seconds) };
      } finally {
        await store.close();
        await dropSchemas(dsn, [schema]);
      }
    },
    /** Claim-and-archive of `b` rows in one statement by `k` clients: jobs/s (= tps × b). */
    async claim({ k, b, seconds, rows }) {
      const schema = `bench_pgbench_${process.pid}`;
      await sql(
        dsn,
        `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".q (id BIGSERIAL PRIMARY KEY, payload JSONB NOT NULL, vt TIMESTAMPTZ NOT NULL DEFAULT now(), read_ct INT NOT NULL DEFAULT 0, locked_by INT, archived_at TIMESTAMPTZ); CREATE INDEX ON "${schema}".q (vt, id) WHERE archived_at IS NULL;`,
      );
      try {
        await sql(
          dsn,
          `INSERT INTO "${schema}".q (payload) SELECT '{"kind":"benchmark"}' FROM generate_series(1, $1::int)`,
          [rows],
        );
        await sql(dsn, `VACUUM ANALYZE "${schema}".q`);
        const script = `UPDATE "${schema}".q SET archived_at = now() WHERE id IN (SELECT id FROM "${schema}".q WHERE archived_at IS NULL AND vt <= now() ORDER BY id LIMIT ${b} FOR UPDATE SKIP LOCKED);\n`;
        const tps = run(bin, dsn, script, k, seconds);
        return { perSec: tps === null ? null : tps * b };
      } finally {
        await dropSchemas(dsn, [schema]);
      }
    },
  };
}
