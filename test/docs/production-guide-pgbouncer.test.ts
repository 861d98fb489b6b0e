/**
 * docs/guides/production.md's PgBouncer settings, on PostgreSQL through a real PgBouncer in transaction mode (skipped
 * where pgbouncer is not installed): the guide's environment installs and verifies through PgBouncer, and an idle loop
 * is woken by LISTEN on the direct address. The commands run the built dist/ CLI (npm test builds first). The guide's
 * blocks and shared setups are in production-guide-support.ts.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { runGuideCommand } from "./production-fixtures/guide-programs.js";
import { hasPgbouncer, startPgbouncer } from "./production-fixtures/pgbouncer.js";
import { type Db, guideEnv, retarget } from "./production-guide-support.js";
import { createDatabase } from "./sample-support.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

describe.skipIf(!hasPgbouncer())("the production guide on postgres through PgBouncer (transaction mode)", () => {
  let db: Db;
  let bouncer: { dsn: string; stop: () => Promise<void> } | undefined;

  beforeAll(async () => {
    db = await createDatabase("postgres");
    bouncer = await startPgbouncer(db.dsn);
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it("the guide's settings: install and verify through PgBouncer; an idle loop is woken by LISTEN on the direct address", async () => {
    const guide = guideEnv();
    const env = {
      PGQRS_DSN: retarget(guide.PGQRS_DSN ?? "", bouncer?.dsn ?? ""),
      PGQRS_LISTEN_DSN: retarget(guide.PGQRS_LISTEN_DSN ?? "", db.dsn),
      PGQRS_MAX_CONNECTIONS: guide.PGQRS_MAX_CONNECTIONS ?? "",
    };
    expect(env.PGQRS_DSN).toContain("prepare=false");
    for (const args of [["install"], ["verify"]]) {
      const r = await runGuideCommand(["pgqrs", ...args], env);
      expect(r.code, `${args}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    const worker = await pgqrs.connectWithConfig(pgqrs.Config.fromEnv(env));
    const producer = await pgqrs.connect(db.dsn);
    const monitor = new pg.Client({ connectionString: db.dsn });
    await monitor.connect();
    const stop = new AbortController();
    try {
      await pgqrs.admin(worker).createQueue("emails", { ifNotExists: true });
      const handled = new Set<number>();
      // Polls once a minute: only a notification can make it claim within the test's deadline.
      const loop = pgqrs
        .dequeue()
        .from("emails")
        .concurrency(4)
        .pollInterval(60_000)
        .signal(stop.signal)
        .handle((m) => {
          handled.add(m.id);
        })
        .poll(worker);
      const listening = async () =>
        (
          await monitor.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
          )
        ).rows.length > 0;
      const deadline = Date.now() + 30_000;
      while (!(await listening())) {
        if (Date.now() > deadline) throw new Error("the loop never listened");
        await new Promise((r) => setTimeout(r, 50));
      }
      const enqueuedAt = Date.now();
      const ids = await pgqrs
        .enqueue()
        .messages(Array.from({ length: 20 }, (_, i) => ({ to: `u${i}@example.com` })))
        .to("emails")
        .execute(producer);
      while (handled.size < ids.length && Date.now() - enqueuedAt < 20_000) await new Promise((r) => setTimeout(r, 20));
      expect([...handled].sort((a, b) => a - b)).toEqual(ids);
      expect(Date.now() - enqueuedAt).toBeLessThan(20_000);
      stop.abort();
      expect(await loop).toBe("aborted");
    } finally {
      stop.abort();
      await monitor.end();
      await producer.close();
      await worker.close();
    }
  });
});
