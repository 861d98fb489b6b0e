/**
 * The Turso backend (issue 20) on a real Turso file through the public API: install, queues, enqueue, claim,
 * archive, a workflow run with steps, schedules and retention; Turso's own error reports (unique violations,
 * missing tables, a file another process holds); DSN forms. The store is built from `createTursoBackend` here;
 * turso-connect.test.ts goes through `connect` and the backend registry.
 */
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { fireDueSchedules } from "../../src/schedules/firing.js";
import { createTursoBackend } from "../../src/store/turso/turso-store.js";
import { parseTursoDsn } from "../../src/store/turso/turso-dsn.js";
import { freshSqlitePath } from "../support/backends.js";
import { errorCode } from "../support/stores.js";

const open: pgqrs.Store[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
});

async function tursoStore(path = freshSqlitePath()): Promise<{ store: pgqrs.Store; clock: pgqrs.ManualClock }> {
  const clock = new pgqrs.ManualClock(new Date("2026-01-01T00:00:00.000Z"));
  const config = new pgqrs.Config({ dsn: `turso://${path}` });
  const store = new pgqrs.Store(createTursoBackend({ path }), config, clock);
  open.push(store);
  await pgqrs.admin(store).install();
  return { store, clock };
}

describe("Turso DSNs", () => {
  it("reads turso:///abs, turso://rel, turso:rel and turso::memory: as pgqrs does", () => {
    expect(parseTursoDsn("turso:///var/lib/q.db")).toEqual({ path: "/var/lib/q.db" });
    expect(parseTursoDsn("turso://q.db")).toEqual({ path: "q.db" });
    expect(parseTursoDsn("turso:data/q.db")).toEqual({ path: "data/q.db" });
    expect(parseTursoDsn("turso::memory:")).toEqual({ path: ":memory:" });
    expect(parseTursoDsn("turso:///q.db?mode=rwc")).toEqual({ path: "/q.db" });
  });

  it("refuses a DSN without a path, or of another backend, with INVALID_CONFIG", () => {
    for (const dsn of ["turso:", "turso://", "sqlite:///q.db", "tursoq.db"]) {
      expect(() => parseTursoDsn(dsn)).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    }
  });
});

describe("the Turso backend", () => {
  it("installs idempotently, verifies, and reports its capabilities", async () => {
    const { store } = await tursoStore();
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).verify();
    expect(store.context.backend.capabilities).toMatchObject({ backendName: "turso", processesPerDatabase: "one" });
  });

  it("enqueues, claims oldest first under a lease, archives owner-checked, and dead-letters", async () => {
    const { store, clock } = await tursoStore();
    const admin = pgqrs.admin(store);
    await admin.createQueue("jobs");
    expect(await errorCode(() => admin.createQueue("jobs"))).toBe("QUEUE_ALREADY_EXISTS");
    const producer = await store.producer("jobs");
    const a = await producer.enqueue({ n: 1 });
    const batch = await producer.enqueueBatch([{ n: 2 }, { n: 3 }]);
    expect(batch.map((m) => m.payload)).toEqual([{ n: 2 }, { n: 3 }]);
    const c1 = await store.consumer("jobs");
    const c2 = await store.consumer("jobs");
    const got = await c1.dequeueMany(2, 30);
    expect(got.map((m) => m.id)).toEqual([a.id, batch[0]!.id]);
    expect(await c2.dequeueMany(5, 30)).toHaveLength(1);
    expect(await c2.archive(a.id)).toBe(false);
    expect(await c1.archiveMany(got.map((m) => m.id))).toEqual([true, true]);
    clock.advance(31_000);
    const again = await c1.dequeueMany(5, 30);
    expect(again.map((m) => m.id)).toEqual([batch[1]!.id]);
    expect(again[0]!.readCt).toBe(2);
    const q = await admin.getQueue("jobs");
    expect(await store.context.backend.countMessages({ queueId: q.id, state: "archived" })).toBe(2);
  });

  it("runs a defined workflow with steps to SUCCESS, replaying stored steps", async () => {
    const { store } = await tursoStore();
    let calls = 0;
    const wf = pgqrs.defineWorkflow({ name: "turso_wf" }, async (run, input: { n: number }) => {
      const doubled = await pgqrs.workflowStep(run, "double", async () => {
        calls += 1;
        return input.n * 2;
      });
      return pgqrs.workflowStep(run, "add", async () => doubled + 1);
    });
    await pgqrs.workflow().name(wf).create(store);
    const msg = await pgqrs.workflow().name(wf).trigger({ n: 20 }).execute(store);
    const consumer = await store.consumer("turso_wf");
    const [m] = await consumer.dequeue({ batchSize: 1 });
    await pgqrs.workflowHandler(store, wf)(m!);
    const rec = await pgqrs.workflow("turso_wf").getRun(msg.id, store);
    expect(rec).toMatchObject({ status: "SUCCESS", output: 41 });
    const steps = await store.context.backend.listSteps({ runId: rec.id });
    expect(steps.map((s) => [s.stepName, s.status])).toEqual([
      ["double", "SUCCESS"],
      ["add", "SUCCESS"],
    ]);
    expect(calls).toBe(1);
  });

  it("fires a due schedule once and sweeps archived messages past retention", async () => {
    const { store, clock } = await tursoStore();
    const admin = pgqrs.admin(store);
    await admin.createQueue("ticks");
    await admin.createSchedule({ name: "every5", cron: "*/5 * * * *", queue: "ticks", payload: { k: 1 } });
    clock.advance(5 * 60_000);
    expect(await fireDueSchedules(store.context)).toBe(1);
    expect(await fireDueSchedules(store.context)).toBe(0);
    const consumer = await store.consumer("ticks");
    const [m] = await consumer.dequeueMany(1, 30);
    expect(m?.payload).toMatchObject({ k: 1 });
    await consumer.archive(m!.id);
    clock.advance(8 * 86_400_000);
    const swept = await admin.runRetention();
    expect(swept).toMatchObject({ messages: 1 });
  });

  it("names the missing install as SCHEMA_NOT_INSTALLED", async () => {
    const path = freshSqlitePath();
    const clock = new pgqrs.ManualClock(new Date("2026-01-01T00:00:00.000Z"));
    const store = new pgqrs.Store(createTursoBackend({ path }), new pgqrs.Config({ dsn: `turso://${path}` }), clock);
    open.push(store);
    const err = await errorCode(() => pgqrs.admin(store).createQueue("q"));
    expect(err).toBe("SCHEMA_NOT_INSTALLED");
  });

  it("refuses a file another process holds with CONNECTION_FAILED saying Turso serves one process", async () => {
    const path = freshSqlitePath();
    await tursoStore(path);
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `import("${new URL("../../src/store/turso/turso-store.ts", import.meta.url).pathname}").then(({ createTursoBackend }) => {
          try { createTursoBackend({ path: ${JSON.stringify(path)} }); console.log("opened"); }
          catch (e) { console.log(e.code + " " + e.message); }
        })`,
      ],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(child.stdout).toMatch(/^CONNECTION_FAILED .*serves one process/);
  });
});
