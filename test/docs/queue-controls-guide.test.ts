/**
 * docs/guides/queue-controls.md, executed: on each backend its ```ts samples run in order, as written, in ONE fresh
 * database (SQLite file or Postgres database); each must exit 0, print no "Error", and print every line a
 * `console.log(…); // expected` comment announces, in order. Then the guide's SQL for that backend (the block
 * whose first line is `-- PostgreSQL` or `-- SQLite`) runs twice against that database, and the library reads what
 * it enqueued: the trigger's message (with its dedup key, claimable), the direct one (priority 5, visible 60 s
 * later), and a duplicate key that writes nothing. Samples import "pgqrs", which resolves to the built dist/ (npm
 * test builds first); their retries and rate windows move a ManualClock by hand, so nothing waits for them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS, type BackendName } from "../support/backends.js";
import { expectedOutput, fencedBlocks, itRunsEachSample, useSampleDatabase } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/queue-controls.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));
const sqlBlocks = fencedBlocks(markdown, /^sql$/);
const sqlFor = (backend: BackendName): string =>
  sqlBlocks.find((b) => b.code.startsWith(backend === "postgres" ? "-- PostgreSQL" : "-- SQLite"))?.code ?? "";

describe("the queue controls guide", () => {
  it("shows every control in a sample that announces its output", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "ifNotExists: true",
      "updateQueue(",
      "VALIDATION_FAILED",
      "{ tx: client }",
      "{ tx: db }",
      "ROLLBACK",
      ".retry({",
      "retry: { maxAttempts",
      "lastError",
      "deadLetteredAt",
      "priority:",
      ".priority(",
      "dedupKey:",
      "dedupWindowSeconds:",
      "deduplicated",
      "groupKey:",
      "concurrencyLimit:",
      "rateLimit: { max",
      ".stop({ timeoutMs",
      "ManualClock",
    ]) {
      expect(code, api).toContain(api);
    }
    expect(samples.length).toBeGreaterThanOrEqual(6);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("documents the defaults, the SQL function and the CLI flags", () => {
    for (const text of [
      "| `baseMs`      | 1,000",
      "| `factor`      | 2 ",
      "| `maxMs`       | 300,000 (5 minutes)",
      "| `jitter`      | 0.2 ",
      "| `maxAttempts` | `config.maxReadCt` (5)",
      "pgqrs_enqueue(queue_name text, payload jsonb, delay_seconds double precision DEFAULT 0,",
      "priority integer DEFAULT 0, dedup_key text DEFAULT NULL, group_key text DEFAULT NULL) RETURNS bigint",
      "--retry-base-ms",
      "--max-attempts",
      "--if-not-exists",
      "--concurrency-limit",
      "--rate-limit 100/60",
      "--priority",
    ]) {
      expect(markdown, text).toContain(text);
    }
    expect(sqlFor("postgres")).toContain("pgqrs_enqueue(");
    expect(sqlFor("sqlite")).toContain("INSERT INTO pgqrs_messages");
  });

  it("is linked from the README, the basic queue guide and the backends page", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/queue-controls.md");
    expect(readFileSync(join(ROOT, "docs/guides/basic-queue.md"), "utf8")).toContain("queue-controls.md");
    expect(readFileSync(join(ROOT, "docs/backends.md"), "utf8")).toContain("guides/queue-controls.md");
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    const { dsn } = useSampleDatabase(backend);
    itRunsEachSample(samples, dsn);

    it("its SQL enqueues what the library then reads and claims, and runs again", async () => {
      const store = await pgqrs.connect(dsn());
      try {
        const admin = pgqrs.admin(store);
        await admin.install();
        const queue = await admin.createQueue("welcome_emails", { ifNotExists: true });
        const active = () => store.tables().messages().filterByQueue(queue.id);
        await runSql(backend, dsn(), sqlFor(backend));
        await runSql(backend, dsn(), sqlFor(backend)); // as written, it can run again

        const messages = await active();
        const byEmail = (email: string) => messages.filter((m) => (m.payload as { email: string }).email === email);
        const fromTrigger = byEmail("ada@example.com");
        expect(fromTrigger.map((m) => m.dedupKey).sort()).toEqual(["welcome:1", "welcome:2"]);
        for (const m of fromTrigger) expect(m.priority).toBe(0);
        const direct = byEmail("alan@example.com");
        expect(direct).toHaveLength(2);
        for (const m of direct) {
          expect(m.priority).toBe(5);
          expect(m.dedupKey).toBeNull();
          // The database's clock: visible 60 s after it was enqueued.
          expect(Math.abs(m.vt.getTime() - m.enqueuedAt.getTime() - 60_000)).toBeLessThan(1_000);
        }

        // A duplicate key writes nothing: the SQL function returns the id already there (PostgreSQL), the INSERT
        // inserts no row (SQLite).
        const [existing] = fromTrigger.filter((m) => m.dedupKey === "welcome:1");
        const dupId = await enqueueDuplicate(backend, dsn(), "welcome:1");
        expect((await active()).length).toBe(messages.length);
        if (backend === "postgres") expect(dupId).toBe(existing?.id);

        // The trigger's messages are ordinary messages: a consumer claims them, oldest first.
        const consumer = await store.consumer("welcome_emails");
        const claimed = await consumer.dequeue({ batchSize: 10 });
        expect(claimed.map((m) => m.id)).toEqual(fromTrigger.map((m) => m.id).sort((a, b) => a - b));
        await consumer.archiveMany(claimed.map((m) => m.id));
        await consumer.suspend();
        await consumer.shutdown();
      } finally {
        await store.close();
      }
    });
  });
});

async function runSql(backend: BackendName, dsn: string, sql: string): Promise<void> {
  expect(sql.length).toBeGreaterThan(0);
  if (backend === "sqlite") {
    const db = new Database(dsn.slice("sqlite://".length));
    try {
      db.pragma("busy_timeout = 5000");
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Enqueue to welcome_emails with `dedupKey` from SQL as the guide shows; the id returned (PostgreSQL only). */
async function enqueueDuplicate(backend: BackendName, dsn: string, dedupKey: string): Promise<number | null> {
  if (backend === "sqlite") {
    const db = new Database(dsn.slice("sqlite://".length));
    try {
      const r = db
        .prepare(
          `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt, priority, dedup_key, group_key)
           SELECT id, json('{"email": "dup@example.com"}'), 0,
                  strftime('%Y-%m-%d %H:%M:%f000', 'now'), strftime('%Y-%m-%d %H:%M:%f000', 'now'), 0, ?, NULL
             FROM pgqrs_queues WHERE queue_name = 'welcome_emails'
           ON CONFLICT DO NOTHING`,
        )
        .run(dedupKey);
      expect(r.changes).toBe(0);
      return null;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const r = await client.query<{ id: string }>(
      `SELECT pgqrs_enqueue('welcome_emails', '{"email": "dup@example.com"}', dedup_key => $1) AS id`,
      [dedupKey],
    );
    return Number(r.rows[0]?.id);
  } finally {
    await client.end();
  }
}
