/**
 * Purging old workers on SQLite checks the rows that reference them set-based, once per table, with SQLite's own
 * per-worker foreign-key checks off for that one transaction (sqlite-zombies.ts): those read every message and every
 * run once per purged worker, since nothing indexes the archived messages' workers. Checked here: the connection's
 * switch (off inside, on again after a return, a throw, and untouched inside an open transaction), the purge's
 * answers on a file with references of every kind, no reference left dangling, and the statement's plan.
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteConnection } from "../../src/store/sqlite/sqlite-connection.js";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import { PURGE_STOPPED_WORKERS_SQL } from "../../src/store/sqlite/sqlite-zombies.js";
import type { StoreBackend } from "../../src/store/store.js";
import { EPHEMERAL_WORKER_PREFIX } from "../../src/store/worker-filter.js";
import { freshSqlitePath } from "../support/backends.js";

const at = (ms: number) => new Date(Date.parse("2020-01-01T00:00:00.000Z") + ms);

describe("purging old workers on SQLite", () => {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  /** A file with one queue and a parent/child pair of tables whose foreign key is enforced. */
  function connection(): SqliteConnection {
    const c = new SqliteConnection({ path: freshSqlitePath(), useWal: true, busyTimeoutMs: 1_000 });
    open.push(c);
    c.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id))");
    c.exec("INSERT INTO parent (id) VALUES (1), (2); INSERT INTO child (p) VALUES (1), (2)");
    return c;
  }
  const enforced = (c: SqliteConnection) => c.get<{ foreign_keys: number }>("PRAGMA foreign_keys")?.foreign_keys;

  it("turns the connection's foreign-key checks off for the transaction only", () => {
    const c = connection();
    expect(enforced(c)).toBe(1);
    expect(c.immediateCheckingReferencesItself(() => c.run("DELETE FROM parent WHERE id = 1"))).toBe(1);
    expect(enforced(c)).toBe(1);
    expect(() => c.run("DELETE FROM parent WHERE id = 2")).toThrow(/FOREIGN KEY/);
  });

  it("rolls back and turns the checks on again when its work throws", () => {
    const c = connection();
    expect(() =>
      c.immediateCheckingReferencesItself(() => {
        c.run("DELETE FROM parent WHERE id = 1");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(enforced(c)).toBe(1);
    expect(c.get("SELECT COUNT(*) AS n FROM parent")).toEqual({ n: 2 });
  });

  it("keeps the checks inside a transaction already open (where SQLite ignores the switch)", () => {
    const c = connection();
    expect(() =>
      c.immediate(() => c.immediateCheckingReferencesItself(() => c.run("DELETE FROM parent WHERE id = 1"))),
    ).toThrow(/FOREIGN KEY/);
    expect(c.get("SELECT COUNT(*) AS n FROM parent")).toEqual({ n: 2 });
  });

  it("deletes exactly the old stopped workers nothing references and leaves no reference dangling", async () => {
    const path = freshSqlitePath();
    const b: StoreBackend = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 1_000 });
    open.push(b);
    await b.install();
    const q = await b.createQueue({ name: "purge", now: at(0) });
    const wf = await b.createWorkflow({ name: "purge", now: at(0) });
    const worker = (name: string) => b.registerWorker({ name, queueId: q.id, now: at(0) });
    const ephemeral = await worker(`${EPHEMERAL_WORKER_PREFIX}one`);
    const producer = await worker("producer");
    const consumer = await worker("consumer");
    const starter = await worker("starter");
    const unreferenced = await worker("unreferenced");
    const recent = await worker("recent");
    const live = await worker("live");
    const raw = new Database(path);
    try {
      // Messages and runs as the workers left them: produced, consumed and archived, a run started.
      const message = raw.prepare(
        `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id,
           consumer_worker_id, archived_at)
         VALUES (?, '{}', 1, '2020-01-01 00:00:00.000000', '2020-01-01 00:00:00.000000', ?, ?, ?) RETURNING id`,
      );
      const archived = "2020-01-01 00:00:00.000000";
      const ids = [
        message.get(q.id, ephemeral.id, ephemeral.id, archived),
        message.get(q.id, producer.id, null, null),
        message.get(q.id, null, consumer.id, archived),
        message.get(q.id, live.id, live.id, null),
      ].map((r) => (r as { id: number }).id);
      const run = raw.prepare(
        "INSERT INTO pgqrs_workflow_runs (workflow_id, message_id, status, worker_id) VALUES (?, ?, 'SUCCESS', ?)",
      );
      run.run(wf.id, ids[0], ephemeral.id);
      run.run(wf.id, ids[2], starter.id);
    } finally {
      raw.close();
    }
    for (const w of [ephemeral, producer, consumer, starter, unreferenced, recent]) {
      await b.transitionWorker({ id: w.id, from: ["ready"], to: "stopped", now: at(1) });
    }
    await b.heartbeat({ id: recent.id, now: at(10_000) });

    expect(await b.purgeOldWorkers({ olderThan: at(5_000) })).toBe(2);
    expect(await b.getWorker(ephemeral.id)).toBeNull();
    expect(await b.getWorker(unreferenced.id)).toBeNull();
    for (const w of [producer, consumer, starter, recent, live]) expect(await b.getWorker(w.id)).not.toBeNull();

    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma("foreign_key_check")).toEqual([]);
      // The ephemeral worker's references were cleared, everyone else's kept.
      expect(
        check.prepare("SELECT producer_worker_id AS p, consumer_worker_id AS c FROM pgqrs_messages ORDER BY id").all(),
      ).toEqual([
        { p: null, c: null },
        { p: producer.id, c: null },
        { p: null, c: consumer.id },
        { p: live.id, c: live.id },
      ]);
      expect(check.prepare("SELECT worker_id AS w FROM pgqrs_workflow_runs ORDER BY id").all()).toEqual([
        { w: null },
        { w: starter.id },
      ]);
    } finally {
      check.close();
    }
  });

  it("reads each referencing table once, whatever the number of workers", async () => {
    const path = freshSqlitePath();
    const b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 1_000 });
    open.push(b);
    await b.install();
    const raw = new Database(path, { readonly: true });
    try {
      const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${PURGE_STOPPED_WORKERS_SQL}`).all("x") as { detail: string }[])
        .map((r) => r.detail)
        .join("\n");
      // A LIST SUBQUERY is built once per statement; a CORRELATED one would run once per worker.
      expect(plan.match(/LIST SUBQUERY/g)).toHaveLength(3);
      expect(plan).not.toMatch(/CORRELATED/);
    } finally {
      raw.close();
    }
  });
});
