/**
 * Behaviour only the SQLite backend has: verify on a missing or tampered file, concurrent installs on one file and
 * the migrations table, close, BUSY from another connection's write lock, and the stored timestamp form.
 */
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import { freshSqlitePath } from "../support/backends.js";
import { codeOf, messageOf } from "./backend-contract-support.js";

describe("SQLite backend specifics", () => {
  function open(path = freshSqlitePath(), extra: { useWal?: boolean; busyTimeoutMs?: number } = {}): StoreBackend {
    return createSqliteBackend({ path, useWal: extra.useWal ?? true, busyTimeoutMs: extra.busyTimeoutMs ?? 1_000 });
  }

  function tables(path: string): string[] {
    const raw = new Database(path);
    try {
      const rows = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
      return (rows as { name: string }[]).map((r) => r.name);
    } finally {
      raw.close();
    }
  }

  const now = new Date("2026-03-01T12:34:56.789Z");

  it("verify reports a missing schema with SCHEMA_VALIDATION and writes nothing", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    expect(await codeOf(() => b.verify())).toBe("SCHEMA_VALIDATION");
    expect(await messageOf(() => b.verify())).toContain("('pgqrs_queues') does not exist");
    await b.close();
    expect(tables(path)).toEqual([]);
  });

  it("verify finds references written behind the foreign keys' back", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    await b.install();
    const q = await b.createQueue({ name: "orphans", now });
    await b.enqueue({ queueId: q.id, payloads: ["1"], producerWorkerId: null, enqueuedAt: now, visibleAt: now });
    const raw = new Database(path);
    raw.pragma("foreign_keys = OFF");
    raw.prepare("DELETE FROM pgqrs_queues WHERE id = ?").run(q.id);
    raw.close();
    expect(await messageOf(() => b.verify())).toBe(
      "Schema validation failed: Found 1 messages with invalid queue_id references",
    );
    await b.close();
  });

  it("install is idempotent across backends on one file and records each migration once", async () => {
    const path = freshSqlitePath();
    const first = open(path, { useWal: false });
    const second = open(path, { useWal: false });
    await Promise.all([first.install(), second.install()]);
    await first.install();
    const raw = new Database(path);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("delete");
    const recorded = raw.prepare("SELECT version, name FROM pgqrs_migrations ORDER BY version").all() as {
      version: number;
    }[];
    expect(recorded).toEqual(
      expect.arrayContaining([
        { version: 1, name: "initial" },
        { version: 2, name: "step_attempt_owner" },
        { version: 4, name: "background_heartbeat_marker" },
      ]),
    );
    expect(new Set(recorded.map((r) => r.version)).size).toBe(recorded.length);
    raw.prepare("INSERT INTO pgqrs_migrations (version, name, applied_at) VALUES (999, 'future', 'x')").run();
    raw.close();
    expect(await codeOf(() => first.install())).toBe("SCHEMA_VALIDATION");
    await Promise.all([first.close(), second.close()]);
  });

  it("close is idempotent and every method then rejects with STORE_CLOSED", async () => {
    const b = open();
    await b.install();
    await b.close();
    await b.close();
    expect(await codeOf(() => b.listQueues())).toBe("STORE_CLOSED");
    expect(await codeOf(() => b.install())).toBe("STORE_CLOSED");
    expect(await codeOf(() => b.archive({ ids: [], workerId: 1, now }))).toBe("STORE_CLOSED");
    expect(
      await codeOf(() =>
        b.enqueue({ queueId: 1, payloads: [], producerWorkerId: null, enqueuedAt: now, visibleAt: now }),
      ),
    ).toBe("STORE_CLOSED");
  });

  it("a write lock held by another connection surfaces as BUSY once busy_timeout passes", async () => {
    const path = freshSqlitePath();
    const b = open(path, { busyTimeoutMs: 0 });
    await b.install();
    const raw = new Database(path);
    raw.exec("BEGIN IMMEDIATE");
    expect(await codeOf(() => b.createQueue({ name: "busy", now }))).toBe("BUSY");
    raw.exec("ROLLBACK");
    raw.close();
    expect((await b.createQueue({ name: "busy", now })).queueName).toBe("busy");
    await b.close();
  });

  it("stores fixed-width millisecond timestamps and reads SQLite's own datetime('now') form", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    await b.install();
    const q = await b.createQueue({ name: "times", now });
    const [m] = await b.enqueue({
      queueId: q.id,
      payloads: ["1"],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    const raw = new Database(path);
    expect(raw.prepare("SELECT vt FROM pgqrs_messages WHERE id = ?").get(m!.id)).toEqual({
      vt: "2026-03-01 12:34:56.789000",
    });
    raw.prepare("INSERT INTO pgqrs_queues (queue_name) VALUES ('defaulted')").run();
    raw.close();
    const defaulted = await b.getQueueByName("defaulted");
    expect(defaulted?.createdAt.getUTCMilliseconds()).toBe(0);
    expect(Math.abs(Date.now() - defaulted!.createdAt.getTime())).toBeLessThan(60_000);
    await b.close();
  });
});
