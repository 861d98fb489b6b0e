/**
 * SQLite's counterpart of issue 21's rebased enqueue floor (bench/systems/raw-pgqrs-table.mjs): pgqrs's sequential
 * `producer.enqueue` on a SQLite store against a raw better-sqlite3 loop running pgqrs's own single-row insert (the
 * same text and values, src/store/sqlite/sqlite-enqueue.ts) into a pgqrs-installed file opened with pgqrs's settings
 * (WAL, synchronous=NORMAL, foreign keys on, pgqrs's WAL auto-checkpoint): same table, foreign keys and indexes, no
 * engine around it. The raw SQLite loop of the "SQLite enqueues" row inserts into a minimal table instead; the
 * difference between the two rows is the cost of pgqrs's shared schema.
 *
 * Each runs on its own file, side by side in alternating blocks (bench/lib/side-by-side.mjs).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import * as pgqrs from "../../dist/index.js";
import { alternatingBlocks } from "../lib/side-by-side.mjs";

/** Calls per block: a few milliseconds each at SQLite's speed. */
const BLOCK = 200;

/** pgqrs's plain single-row insert on SQLite (`insertSql(1, false)` in sqlite-enqueue.ts). */
const INSERT_SQL = `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id)
VALUES (?, ?, 0, ?, ?, ?) RETURNING id`;

/** pgqrs's SQLite timestamp text (`encodeTime` in sqlite-time.ts): `YYYY-MM-DD HH:MM:SS.mmm000`, UTC. */
function encodeTime(d) {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** A pgqrs-installed SQLite file with one queue and one producer; the store is open. */
async function pgqrsFile(name) {
  const dir = mkdtempSync(join(tmpdir(), `pgqrs-bench-sqlite-${name}-`));
  const path = join(dir, "bench.db");
  const store = await pgqrs.connect(`sqlite://${path}`);
  await pgqrs.admin(store).install();
  const queue = await store.queue("enq");
  const producer = await store.producer("enq");
  return { path, store, queue, producer, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `n` sequential enqueues each way, side by side; `{ pgqrs, raw }`, each `{ perSec, meanPerSec, capped, done }`. */
export async function sqliteEnqueueOwnTable({ n }) {
  const ours = await pgqrsFile("ours");
  const theirs = await pgqrsFile("raw");
  // The raw loop's file keeps pgqrs's rows (queue, producer) and gets a plain connection with pgqrs's settings.
  await theirs.store.close();
  const db = new Database(theirs.path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("wal_autocheckpoint = 10000");
    db.pragma("foreign_keys = ON");
    const insert = db.prepare(INSERT_SQL);
    const raw = async (i) => {
      const at = encodeTime(new Date());
      // all(), as pgqrs runs it: to completion, so SQLite's WAL auto-checkpoint runs as it does for pgqrs.
      insert.all(theirs.queue.id, JSON.stringify({ kind: "benchmark", i }), at, at, theirs.producer.id);
      await null;
    };
    const calls = { pgqrs: (i) => ours.producer.enqueue({ kind: "benchmark", i }), raw };
    return await alternatingBlocks({ n, block: BLOCK, warmup: 200, calls });
  } finally {
    db.close();
    await ours.store.close();
    ours.remove();
    theirs.remove();
  }
}
