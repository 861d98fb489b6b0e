/**
 * Queue controls on one SQLite file shared by several processes (issue 17): a dedup key makes one row whoever
 * enqueues it, and `limited` claims never lease more than the queue's concurrency limit at once. The lease count
 * is audited by a trigger inside the claimers' own write transactions, so no timing window is involved.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import { freshSqlitePath, uniqueName } from "../support/backends.js";

const FIXTURE = "test/fixtures/sqlite-queue-controls-child.ts";

interface Child {
  child: ChildProcess;
  /** Resolves with the line after "ready". */
  result: Promise<unknown>;
}

/** Spawn the fixture; resolves once it reported ready (it then waits for "go" on stdin). */
async function spawnChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => {
    const w = waiting.shift();
    if (w === undefined) queue.push(line);
    else w(line);
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const line = queue.shift();
      if (line !== undefined) return resolve(JSON.parse(line));
      waiting.push((l) => resolve(JSON.parse(l)));
      child.once("exit", (code) => reject(new Error(`fixture exited with ${code}: ${stderr}`)));
    });
  await next();
  return { child, result: next() };
}

function go(children: Child[]): void {
  for (const c of children) c.child.stdin?.write("go\n");
}

describe("SQLite queue controls across processes on one file", () => {
  const path = freshSqlitePath();
  let b: StoreBackend;
  let db: Database.Database;
  const children: Child[] = [];
  const now = new Date(Date.UTC(2026, 0, 1));

  beforeAll(async () => {
    b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 30_000 });
    await b.install();
    db = new Database(path);
    db.pragma("busy_timeout = 30000");
  });
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
    db.close();
    await b.close();
  });

  it("a dedup key enqueued by three processes at once makes one row, and every process gets that row", async () => {
    const q = await b.createQueue({ name: uniqueName("dedup"), now });
    const KEYS = 150;
    const started = await Promise.all([0, 1, 2].map(() => spawnChild([path, "dedup", String(q.id), String(KEYS)])));
    children.push(...started);
    go(started);
    const results = (await Promise.all(started.map((c) => c.result))) as {
      inserted: string[];
      ids: Record<string, number>;
    }[];
    const inserted = results.flatMap((r) => r.inserted).sort();
    const keys = Array.from({ length: KEYS }, (_, k) => `k${k}`).sort();
    expect(inserted).toEqual(keys);
    for (const key of keys) {
      const ids = new Set(results.map((r) => r.ids[key]));
      expect(ids.size, key).toBe(1);
    }
    const rows = db
      .prepare("SELECT dedup_key, COUNT(*) AS n FROM pgqrs_messages WHERE queue_id = ? GROUP BY dedup_key")
      .all(q.id) as { dedup_key: string; n: number }[];
    expect(rows.length).toBe(KEYS);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  }, 120_000);

  it("limited claims of three processes never lease more than the concurrency limit at once", async () => {
    const LIMIT = 3;
    const q = await b.createQueue({ name: uniqueName("limited"), now, settings: { concurrencyLimit: LIMIT } });
    const TOTAL = 240;
    await b.enqueue({
      queueId: q.id,
      payloads: Array.from({ length: TOTAL }, (_, i) => JSON.stringify({ i })),
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    // After every change of a message of the queue, inside the writer's transaction: how many are leased now.
    db.exec(`CREATE TABLE lease_audit (n INTEGER NOT NULL);
      CREATE TRIGGER lease_audit_trigger AFTER UPDATE OF consumer_worker_id, archived_at ON pgqrs_messages
      WHEN NEW.queue_id = ${q.id}
      BEGIN INSERT INTO lease_audit (n) SELECT COUNT(*) FROM pgqrs_messages
        WHERE queue_id = ${q.id} AND archived_at IS NULL AND consumer_worker_id IS NOT NULL; END;`);
    const workers = await Promise.all(
      [0, 1, 2].map((i) => b.registerWorker({ name: uniqueName(`lw${i}`), queueId: q.id, now })),
    );
    const started = await Promise.all(
      workers.map((w) => spawnChild([path, "limited", String(q.id), String(w.id), String(now.getTime())])),
    );
    children.push(...started);
    go(started);
    const results = (await Promise.all(started.map((c) => c.result))) as { claimed: number }[];
    db.exec("DROP TRIGGER lease_audit_trigger");
    expect(results.reduce((sum, r) => sum + r.claimed, 0)).toBe(TOTAL);
    const audit = db.prepare("SELECT MAX(n) AS max, COUNT(*) AS changes FROM lease_audit").get() as {
      max: number;
      changes: number;
    };
    expect(audit.changes).toBeGreaterThanOrEqual(2 * TOTAL);
    expect(audit.max).toBeLessThanOrEqual(LIMIT);
    expect(await b.countMessages({ queueId: q.id, state: "archived" })).toBe(TOTAL);
  }, 120_000);
});
