/**
 * `pgqrs retention run` and `retention show` (issue 18) on each backend: the policies (defaults and a queue's own),
 * `--older-than` with and without `--dead-letters`, progress on stderr and counts in --json, a queue filter, and bad
 * input (unknown queue, a duration the API refuses) exiting non-zero with nothing deleted.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

const DAY = 86_400_000;

interface RunJson {
  messages: number;
  runs: number;
  batches: number;
  mode: string;
}

describe.each(BACKENDS)("pgqrs retention on %s", (backend) => {
  const db = new CliDatabase(backend);

  beforeAll(async () => {
    await db.ok("install");
  });
  afterAll(async () => {
    await db.drop();
  });

  /** `n` messages of `queue` archived `ageMs` ago (a store whose clock runs that far behind). */
  async function archivedAgo(queue: string, n: number, ageMs: number): Promise<void> {
    const clock = new pgqrs.ManualClock(new Date(Date.now() - ageMs));
    const store = await pgqrs.connect(db.dsn, { schema: db.schema, clock });
    try {
      await pgqrs.admin(store).createQueue(queue, { ifNotExists: true });
      const producer = await store.producer(queue);
      const consumer = await store.consumer(queue);
      await producer.enqueueBatch(Array.from({ length: n }, (_, i) => ({ i })));
      const got = await consumer.dequeueMany(n, 3600);
      await consumer.archiveMany(got.map((m) => m.id));
    } finally {
      await store.close();
    }
  }

  async function archivedCount(queue: string): Promise<number> {
    const store = await pgqrs.connect(db.dsn, { schema: db.schema });
    try {
      const q = await pgqrs.admin(store).getQueue(queue);
      return await store.context.backend.countMessages({ queueId: q.id, state: "archived" });
    } finally {
      await store.close();
    }
  }

  it("retention run applies the policies: defaults (7d) and a queue's own", async () => {
    await archivedAgo("rc_old", 5, 10 * DAY);
    await archivedAgo("rc_recent", 4, DAY);
    await archivedAgo("rc_kept", 3, 100 * DAY);
    expect(await db.ok("retention", "show", "rc_kept")).toMatch(/archived\s+7d/);
    const store = await pgqrs.connect(db.dsn, { schema: db.schema });
    await pgqrs.admin(store).setRetention("rc_kept", false);
    await pgqrs.admin(store).setRetention("rc_recent", { archived: "12h" });
    await store.close();
    const shown = await db.json<{ archivedMs: number | false; isDefault: boolean }>("retention", "show", "rc_kept");
    expect(shown).toMatchObject({ archivedMs: false, isDefault: false });

    const r = await db.run("retention", "run");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deleted messages\s+9/);
    expect(await archivedCount("rc_old")).toBe(0);
    expect(await archivedCount("rc_recent")).toBe(0);
    expect(await archivedCount("rc_kept")).toBe(3);
    expect(await db.json<RunJson>("retention", "run")).toMatchObject({ messages: 0, runs: 0, mode: "policies" });
  });

  it("--older-than ignores the policies, per queue, in batches with progress", async () => {
    await archivedAgo("rc_purge", 25, 2 * 3_600_000);
    await archivedAgo("rc_other", 2, 2 * 3_600_000);
    const store = await pgqrs.connect(db.dsn, { schema: db.schema });
    await pgqrs.admin(store).setRetention("rc_purge", false);
    await store.close();
    const r = await db.run("retention", "run", "--queue", "rc_purge", "--older-than", "1h", "--batch-size", "2");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/deleted 20 message\(s\), 0 run\(s\) in 10 batch\(es\)/);
    expect(r.stdout).toMatch(/deleted messages\s+25/);
    expect(await archivedCount("rc_purge")).toBe(0);
    expect(await archivedCount("rc_other")).toBe(2);
    // Every queue: rc_other's 2 and the 3 rows rc_kept keeps by policy (an explicit purge overrides it).
    const json = await db.json<RunJson>("retention", "run", "--older-than", "1h");
    expect(json).toMatchObject({ messages: 5, mode: "older-than" });
    expect(await archivedCount("rc_kept")).toBe(0);
  });

  it("bad input exits non-zero and deletes nothing", async () => {
    await archivedAgo("rc_bad", 2, 10 * DAY);
    const unknown = await db.run("retention", "run", "--queue", "rc_nope");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/rc_nope/);
    const bad = await db.run("retention", "run", "--older-than", "7 days");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/olderThan/);
    expect((await db.run("retention", "show", "rc_nope")).code).not.toBe(0);
    expect(await archivedCount("rc_bad")).toBe(2);
  });
});
