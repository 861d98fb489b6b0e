/**
 * SQLite: pgqrs on an embedded file against a raw better-sqlite3 loop on the same kind of file (WAL,
 * synchronous=NORMAL, as pgqrs opens it): one statement to claim, one to archive, one INSERT per enqueue.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import * as pgqrs from "../../dist/index.js";
import { concurrentCallers } from "../lib/callers.mjs";
import { now, waitUntil } from "../lib/stats.mjs";

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), "pgqrs-bench-sqlite-"));
  return { path: join(dir, "bench.db"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function pgqrsSqliteSystem() {
  return {
    name: "pgqrs (SQLite)",
    async drain({ n, b, limitMs }) {
      const file = tempFile();
      const store = await pgqrs.connect(`sqlite://${file.path}`);
      try {
        await pgqrs.admin(store).install();
        await store.queue("drain");
        const producer = await store.producer("drain");
        const t0 = now();
        for (let i = 0; i < n; i += 1000) {
          const len = Math.min(1000, n - i);
          await producer.enqueueBatch(Array.from({ length: len }, (_, j) => ({ kind: "benchmark", i: i + j })));
        }
        const prefillPerSec = (n / (now() - t0)) * 1000;
        const consumer = await store.consumer("drain");
        let processed = 0;
        const stop = new AbortController();
        const builder = pgqrs.dequeue().worker(consumer).batch(b).signal(stop.signal);
        const start = now();
        const loop = (
          b === 1
            ? builder.handle(async () => {
                processed += 1;
              })
            : builder.handleBatch(async (ms) => {
                processed += ms.length;
              })
        ).poll(store);
        const finished = await waitUntil(() => processed >= n, limitMs, 1);
        const elapsed = now() - start;
        stop.abort();
        await loop;
        return { prefillPerSec, perSec: (processed / elapsed) * 1000, processed, capped: !finished };
      } finally {
        await store.close();
        file.remove();
      }
    },
    async enqueue({ n }) {
      const file = tempFile();
      const store = await pgqrs.connect(`sqlite://${file.path}`);
      try {
        await pgqrs.admin(store).install();
        await store.queue("enq");
        const producer = await store.producer("enq");
        const t0 = now();
        for (let i = 0; i < n; i++) await producer.enqueue({ kind: "benchmark", i });
        return { perSec: (n / (now() - t0)) * 1000 };
      } finally {
        await store.close();
        file.remove();
      }
    },
    /** `callers` async callers sharing one producer, each awaiting its own `enqueue()` (issue 21). */
    async enqueueConcurrent({ n, callers }) {
      const file = tempFile();
      const store = await pgqrs.connect(`sqlite://${file.path}`);
      try {
        await pgqrs.admin(store).install();
        await store.queue("enq");
        const producer = await store.producer("enq");
        return await concurrentCallers({ n, callers }, (i) => producer.enqueue({ kind: "benchmark", i }));
      } finally {
        await store.close();
        file.remove();
      }
    },
  };
}

function rawDb(path) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`CREATE TABLE q (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, vt TEXT NOT NULL,
             read_ct INTEGER NOT NULL DEFAULT 0, archived_at TEXT);
           CREATE INDEX q_ready ON q (vt, id) WHERE archived_at IS NULL;`);
  return db;
}

export function rawSqliteSystem() {
  return {
    name: "raw better-sqlite3",
    async drain({ n, b }) {
      const file = tempFile();
      const db = rawDb(file.path);
      try {
        const insert = db.prepare("INSERT INTO q (payload, vt) VALUES (?, ?)");
        const t0 = now();
        const fill = db.transaction((from, to) => {
          const at = new Date().toISOString();
          for (let i = from; i < to; i++) insert.run(JSON.stringify({ kind: "benchmark", i }), at);
        });
        for (let i = 0; i < n; i += 1000) fill(i, Math.min(n, i + 1000));
        const prefillPerSec = (n / (now() - t0)) * 1000;
        const claim = db.prepare(
          `UPDATE q SET vt = ?, read_ct = read_ct + 1
            WHERE id IN (SELECT id FROM q WHERE archived_at IS NULL AND vt <= ? ORDER BY vt, id LIMIT ?)
           RETURNING id, payload`,
        );
        const archive = db.prepare("UPDATE q SET archived_at = ? WHERE id IN (SELECT value FROM json_each(?))");
        let processed = 0;
        const start = now();
        while (true) {
          const at = new Date();
          const rows = claim.all(new Date(at.getTime() + 30_000).toISOString(), at.toISOString(), b);
          if (rows.length === 0) break;
          for (const r of rows) JSON.parse(r.payload);
          processed += rows.length;
          archive.run(new Date().toISOString(), JSON.stringify(rows.map((r) => r.id)));
          // Yield like an async loop would, so the comparison is with a loop that lets other work run.
          await null;
        }
        const elapsed = now() - start;
        return { prefillPerSec, perSec: (processed / elapsed) * 1000, processed, capped: false };
      } finally {
        db.close();
        file.remove();
      }
    },
    async enqueue({ n }) {
      const file = tempFile();
      const db = rawDb(file.path);
      try {
        const insert = db.prepare("INSERT INTO q (payload, vt) VALUES (?, ?) RETURNING id");
        const t0 = now();
        for (let i = 0; i < n; i++) {
          // all(), not get(): get() resets the statement after its first row, before SQLite reports SQLITE_DONE,
          // and SQLite runs its WAL auto-checkpoint only on DONE. A get() loop never checkpoints, so it never
          // flushes its WAL inside the timed window (5,000 inserts leave a 66 MB WAL instead of 4 MB). pgqrs and
          // the drain loop above run every statement to completion, as an application using run() or all() does.
          insert.all(JSON.stringify({ kind: "benchmark", i }), new Date().toISOString());
          await null;
        }
        return { perSec: (n / (now() - t0)) * 1000 };
      } finally {
        db.close();
        file.remove();
      }
    },
  };
}
