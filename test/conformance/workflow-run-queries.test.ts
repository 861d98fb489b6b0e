/**
 * Run queries (issue 16, item 3): `admin(store).listRuns` returns pages of runs with stable fields, newest first,
 * filtered by workflow, status and creation time, cursor-paged without duplicates or gaps while new runs arrive;
 * bad arguments are VALIDATION_FAILED before any read; `admin(store).listSteps` lists a run's steps; and a worker
 * that starts a run records itself (`workerId`) and counts the start (`attempts`), in the statement that starts it.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, wfName } from "../support/primitives.js";
import { errorCode } from "../support/stores.js";

type Primitives = Awaited<ReturnType<typeof openPrimitives>>;

/** Trigger one run of `name` (QUEUED, no worker) with `input`, at the clock's time, then let `ms` pass (1 s). */
async function trigger(p: Primitives, name: string, input: unknown, ms = 1_000): Promise<pgqrs.RunRecord> {
  const { run } = await pgqrs.workflow(name).trigger(input).start(p.store);
  p.clock.advance(ms);
  return run;
}

/** Every page of `options` (limit per page), in order. */
async function allPages(admin: pgqrs.Admin, options: pgqrs.ListRunsOptions): Promise<pgqrs.RunSummary[][]> {
  const pages: pgqrs.RunSummary[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await admin.listRuns({ ...options, ...(cursor === undefined ? {} : { cursor }) });
    pages.push(page.runs);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
}

const ids = (runs: readonly { id: number }[]) => runs.map((r) => r.id);

describe.each(EVERY_BACKEND)("admin listRuns and listSteps on %s", (backend) => {
  it("lists runs newest first with stable fields, filtered by workflow, status and creation time", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const a = wfName("orders");
    const b = wfName("emails");
    await store.createWorkflow(a);
    await store.createWorkflow(b);
    const t0 = clock.now();
    const a1 = await trigger(p, a, { n: 1 });
    const b1 = await trigger(p, b, "hi");
    const a2 = await trigger(p, a, { n: 2 });
    const tMid = clock.now();
    const a3 = await trigger(p, a, { n: 3 });
    const b2 = await trigger(p, b, null);
    // Two runs created at the same instant: the larger id is the newer.
    const { run: b3 } = await pgqrs.workflow(b).trigger(3).start(store);
    const { run: a4 } = await pgqrs.workflow(a).trigger(4).start(store);
    const backendOps = store.context.backend;
    await backendOps.transitionRun({ id: a2.id, from: ["QUEUED"], to: "ERROR", now: clock.now(), error: '"boom"' });
    await backendOps.transitionRun({ id: b1.id, from: ["QUEUED"], to: "SUCCESS", now: clock.now(), output: "42" });
    await backendOps.transitionRun({ id: a3.id, from: ["QUEUED"], to: "SUCCESS", now: clock.now(), output: "7" });

    const admin = pgqrs.admin(store);
    const all = await admin.listRuns();
    expect(ids(all.runs)).toEqual(ids([a4, b3, b2, a3, a2, b1, a1]));
    expect(all.nextCursor).toBeNull();
    const first = all.runs.find((r) => r.id === a2.id);
    expect(first).toEqual({
      id: a2.id,
      workflow: a,
      messageId: a2.messageId,
      status: "ERROR",
      input: { n: 2 },
      output: null,
      error: "boom",
      createdAt: a2.createdAt,
      startedAt: null,
      completedAt: expect.any(Date),
      workerId: null,
      attempts: 0,
      waitingFor: null,
      version: null,
    });
    expect(all.runs.find((r) => r.id === b1.id)).toMatchObject({ workflow: b, status: "SUCCESS", output: 42 });

    expect(ids((await admin.listRuns({ workflow: a })).runs)).toEqual(ids([a4, a3, a2, a1]));
    expect(ids((await admin.listRuns({ workflow: b })).runs)).toEqual(ids([b3, b2, b1]));
    expect(ids((await admin.listRuns({ status: "SUCCESS" })).runs)).toEqual(ids([a3, b1]));
    expect(ids((await admin.listRuns({ status: "QUEUED", workflow: b })).runs)).toEqual(ids([b3, b2]));
    expect(ids((await admin.listRuns({ status: "CANCELLED" })).runs)).toEqual([]);
    // since is inclusive, until exclusive.
    expect(ids((await admin.listRuns({ since: tMid })).runs)).toEqual(ids([a4, b3, b2, a3]));
    expect(ids((await admin.listRuns({ until: tMid })).runs)).toEqual(ids([a2, b1, a1]));
    expect(ids((await admin.listRuns({ since: t0, until: tMid, workflow: a })).runs)).toEqual(ids([a2, a1]));
    expect(ids((await admin.listRuns({ since: tMid, workflow: a, status: "QUEUED" })).runs)).toEqual(ids([a4]));
    expect(ids((await admin.listRuns({ until: tMid, status: "SUCCESS", workflow: b })).runs)).toEqual(ids([b1]));

    // Pages of two: the same runs in the same order, each once, and the last page says so.
    const pages = await allPages(admin, { limit: 2 });
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flat().map((r) => r.id)).toEqual(ids(all.runs));
    const filtered = await allPages(admin, { limit: 1, workflow: a, since: t0 });
    expect(filtered.flat().map((r) => r.id)).toEqual(ids([a4, a3, a2, a1]));
    // A page that ends exactly at the last run says there is no next one.
    expect((await admin.listRuns({ limit: 7 })).nextCursor).toBeNull();
    expect((await admin.listRuns({ limit: 6 })).nextCursor).not.toBeNull();
  });

  it("pages through every run once while new runs arrive between pages", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("stream");
    await store.createWorkflow(name);
    const existing: number[] = [];
    for (let i = 0; i < 9; i++) {
      // Every third run shares its creation time with the next one.
      existing.push((await trigger(p, name, i, i % 3 === 0 ? 0 : 1_000)).id);
    }
    const admin = pgqrs.admin(store);
    const seen: number[] = [];
    const arrived: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await admin.listRuns({ workflow: name, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...ids(page.runs));
      // Two newer runs arrive after each page, created at the same instant.
      arrived.push((await trigger(p, name, "late", 0)).id);
      arrived.push((await trigger(p, name, "tie")).id);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...existing].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.some((id) => arrived.includes(id))).toBe(false);
    // The new runs are all there on a fresh listing, newest first.
    const fresh = await allPages(admin, { workflow: name, limit: 5 });
    expect(fresh.flat().length).toBe(existing.length + arrived.length);
    expect(new Set(fresh.flat().map((r) => r.id)).size).toBe(existing.length + arrived.length);
  });

  it("refuses bad arguments with VALIDATION_FAILED and an unknown workflow or run with NOT_FOUND", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("strict");
    await store.createWorkflow(name);
    await trigger(p, name, 1);
    await trigger(p, name, 2);
    const admin = pgqrs.admin(store);
    const { nextCursor } = await admin.listRuns({ limit: 1 });
    expect(nextCursor).toEqual(expect.any(String));
    const bad: unknown[] = [
      { limit: 0 },
      { limit: 1_001 },
      { limit: 1.5 },
      { limit: "10" },
      { status: "DONE" },
      { since: "yesterday" },
      { since: new Date(Number.NaN) },
      { until: 1_700_000_000_000 },
      { workflow: "" },
      { workflow: 7 },
      { cursor: "" },
      { cursor: "not a cursor!" },
      { cursor: Buffer.from("{}").toString("base64url") },
      { cursor: Buffer.from('["2026-01-01 00:00:00.000000", 0]').toString("base64url") },
      { cursor: Buffer.from('["tomorrow", 5]').toString("base64url") },
      { cursor: Buffer.from('["2026-13-45 00:00:00.000000", 5]').toString("base64url") },
      { cursor: `${nextCursor}x` },
      { cursor: 42 },
    ];
    for (const options of bad) {
      expect(await errorCode(() => admin.listRuns(options as pgqrs.ListRunsOptions)), JSON.stringify(options)).toBe(
        "VALIDATION_FAILED",
      );
    }
    expect(await errorCode(() => admin.listRuns({ workflow: wfName("missing") }))).toBe("WORKFLOW_NOT_FOUND");
    expect(await errorCode(() => admin.listSteps(999_999))).toBe("RUN_NOT_FOUND");
    expect(await errorCode(() => admin.listSteps(0))).toBe("VALIDATION_FAILED");
  });

  it("records the worker that started a run and counts each start, and lists the run's steps", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("napper");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      const before = await run.step("before", async () => 1);
      await run.sleep("nap", 60_000);
      const after = await run.step("after", async () => 2);
      return before + after;
    });
    const { consumer } = await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    const admin = pgqrs.admin(store);
    // Started once, paused by the sleep, started again when it woke: two starts, by this worker.
    expect(done).toMatchObject({ workerId: consumer.id, attempts: 2, output: 3 });
    const [summary] = (await admin.listRuns({ workflow: name })).runs;
    expect(summary).toMatchObject({ id: done.id, workerId: consumer.id, attempts: 2, status: "SUCCESS" });
    const steps = await admin.listSteps(done.id);
    expect(steps.map((s) => [s.stepName, s.kind, s.status])).toEqual([
      ["before", "step", "SUCCESS"],
      ["nap", "sleep", "SUCCESS"],
      ["after", "step", "SUCCESS"],
    ]);
  });

  it("startRun records the message's consumer and counts a restart of a RUNNING run by a new delivery", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("manual");
    await store.createWorkflow(name);
    const { message, run } = await pgqrs.workflow(name).trigger("x").start(store);
    expect(run).toMatchObject({ workerId: null, attempts: 0 });
    const consumer = await store.consumer(name);
    const [claimed] = await consumer.dequeue({ vtSeconds: 1 });
    expect(claimed?.id).toBe(message.id);
    const backendOps = store.context.backend;
    const started = await backendOps.startRun({ message: claimed!, now: clock.now() });
    expect(started).toMatchObject({ status: "RUNNING", workerId: consumer.id, attempts: 1 });
    // The lease runs out (a crashed worker); another consumer's delivery starts the RUNNING run again.
    clock.advance(60_000);
    const other = await store.consumer(name);
    const [again] = await other.dequeue();
    expect(again?.id).toBe(message.id);
    const restarted = await backendOps.startRun({ message: again!, now: clock.now() });
    expect(restarted).toMatchObject({ status: "RUNNING", workerId: other.id, attempts: 2 });
    expect(restarted.startedAt).toEqual(started.startedAt);
    // Deleting a worker a run still names (its message since released) leaves the run without a worker.
    await pgqrs.admin(store).releaseWorkerMessages(other.id);
    expect(await pgqrs.admin(store).deleteWorker(other.id)).toBe(1);
    expect(await pgqrs.admin(store).getRun(run.id)).toMatchObject({ status: "RUNNING", workerId: null, attempts: 2 });
    // A finished run is left alone by a start.
    await backendOps.transitionRun({ id: run.id, from: ["RUNNING"], to: "SUCCESS", now: clock.now(), output: "1" });
    const finished = await backendOps.startRun({ message: again!, now: clock.now() });
    expect(finished).toMatchObject({ status: "SUCCESS", workerId: null, attempts: 2 });
  });
});
