/**
 * pgqrs's Turso lock rules on a real Turso file, with a second connection of this process holding the write lock
 * (a Turso file serves one process, so contention comes from connections within it): schema changes wait and
 * retry with pgqrs's backoff; writes fail at once with BUSY and are never retried, so attempts = successes +
 * failures and the table holds exactly the successes (pgqrs's no-phantom-duplicates test); reads do not wait.
 */
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { TursoConnection } from "../../src/store/turso/turso-connection.js";
import type { TursoModule } from "../../src/store/turso/turso-driver.js";
import { lockRetryDelayMs, PGQRS_LOCK_RETRY } from "../../src/store/turso/turso-lock-retry.js";
import { createTursoBackend } from "../../src/store/turso/turso-store.js";
import { freshSqlitePath } from "../support/backends.js";
import { codeOf } from "./backend-contract-support.js";

const { Database } = createRequire(import.meta.url)("@tursodatabase/database/compat") as TursoModule;
const FAST = { retries: 10, initialDelayMs: 20, maxDelayMs: 200, jitterMs: 5 };
const at = new Date("2026-01-01T00:00:00.000Z");

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0)) await f();
});

/** A second connection to the file, holding its write lock until `release()`. */
function holdWriteLock(path: string) {
  const other = new Database(path);
  other.exec("BEGIN IMMEDIATE");
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    other.exec("COMMIT");
  };
  cleanups.push(() => {
    release();
    other.close();
  });
  return { release, held: () => held };
}

function open(path: string): StoreBackend {
  const b = createTursoBackend({ path, lockRetry: FAST });
  cleanups.push(() => b.close());
  return b;
}

describe("Turso lock retry", () => {
  it("waits 50 ms, doubling, at most 5 s, ±10 ms, ten times (pgqrs's policy)", () => {
    expect(PGQRS_LOCK_RETRY).toEqual({ retries: 10, initialDelayMs: 50, maxDelayMs: 5_000, jitterMs: 10 });
    const middle = Array.from({ length: 10 }, (_, i) => lockRetryDelayMs(PGQRS_LOCK_RETRY, i, () => 0.5));
    expect(middle).toEqual([50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect(lockRetryDelayMs(PGQRS_LOCK_RETRY, 0, () => 0)).toBe(40);
    expect(lockRetryDelayMs(PGQRS_LOCK_RETRY, 0, () => 1)).toBe(60);
  });

  it("retries install while another connection holds the lock, and succeeds once it lets go", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    const lock = holdWriteLock(path);
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        lock.release();
        resolve();
      }, 100),
    );
    await b.install();
    await released;
    await expect(b.verify()).resolves.toBeUndefined();
  });

  it("gives up with BUSY after the retries when the lock is never released", async () => {
    const path = freshSqlitePath();
    const b = createTursoBackend({ path, lockRetry: { retries: 2, initialDelayMs: 5, maxDelayMs: 5, jitterMs: 0 } });
    cleanups.push(() => b.close());
    holdWriteLock(path);
    expect(await codeOf(() => b.install())).toBe("BUSY");
  });

  it("never retries a write: BUSY at once, and the table holds exactly the acknowledged writes", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    await b.install();
    const q = await b.createQueue({ name: "q", now: at });
    let ok = 0;
    let busy = 0;
    const attempts = 40;
    for (let i = 0; i < attempts; i += 1) {
      const lock = i % 3 === 0 ? holdWriteLock(path) : undefined;
      const code = await codeOf(() =>
        b.enqueue({
          queueId: q.id,
          payloads: [JSON.stringify({ i })],
          producerWorkerId: null,
          enqueuedAt: at,
          visibleAt: at,
        }),
      );
      lock?.release();
      if (code === "none") ok += 1;
      else if (code === "BUSY") busy += 1;
      else throw new Error(`unexpected ${code}`);
    }
    expect(busy).toBe(Math.ceil(attempts / 3));
    expect(ok + busy).toBe(attempts);
    expect(await b.countMessages({ queueId: q.id, state: "all" })).toBe(ok);
  });

  it("reads while another connection holds the write lock, without waiting", async () => {
    const path = freshSqlitePath();
    const b = open(path);
    await b.install();
    await b.createQueue({ name: "q", now: at });
    const lock = holdWriteLock(path);
    expect((await b.listQueues()).map((x) => x.queueName)).toEqual(["q"]);
    expect(lock.held()).toBe(true);
  });

  it("refuses a writing statement inside a read-only operation (a retried read must write nothing)", () => {
    const c = new TursoConnection({ path: freshSqlitePath(), busyTimeoutMs: 0 });
    cleanups.push(() => c.close());
    c.exec("CREATE TABLE t (v INTEGER)");
    expect(() => c.readOnly(() => c.run("INSERT INTO t VALUES (1)"))).toThrow(/may write/);
    expect(c.readOnly(() => c.get<{ n: number }>("SELECT COUNT(*) AS n FROM t"))).toEqual({ n: 0 });
  });
});
