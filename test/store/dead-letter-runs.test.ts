/**
 * Issue 14 item 13: dead-lettering a workflow message fails its run in the same backend transaction (a crash in
 * between can no longer strand a run), and `Admin.dlq()` without a queue is one dead-letter call, not a walk over
 * queues, while every queue has the store's attempt limit (per-queue limits: test/conformance/dlq-attempt-limits).
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Store } from "../../src/index.js";
import * as pgqrs from "../../src/index.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, QueueRecord } from "../../src/types.js";
import { BACKENDS, type BackendName, uniqueName } from "../support/backends.js";
import { type RawSql, rawSql } from "../support/raw-sql.js";
import { errorCode, openTestStore } from "../support/stores.js";

const MAX = 1;

describe.each(BACKENDS)("dead-lettering and run failure on %s", (name: BackendName) => {
  let store: Store;
  let b: StoreBackend;
  let raw: RawSql;
  /** Before the store's clock: what the tests set up is due when Admin reads `now`. */
  let t: (ms?: number) => Date;

  beforeAll(async () => {
    const opened = await openTestStore(name, { maxReadCt: MAX });
    store = opened.store;
    b = store.context.backend;
    raw = await rawSql(name, opened.dsn, opened.schema);
    const base = store.clock.now().getTime() - 3_600_000;
    t = (ms = 0) => new Date(base + ms);
  });
  afterAll(async () => {
    await raw.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A workflow queue with one exhausted message per entry of `runs`: no run, or a run moved to that status. */
  async function exhausted(runs: (null | "QUEUED" | "RUNNING" | "SUCCESS")[]) {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const q = (await b.getQueueById(wf.queueId)) as QueueRecord;
    const w = await b.registerWorker({ name: uniqueName("w"), queueId: q.id, now: t() });
    const messages = await b.enqueue({
      queueId: q.id,
      payloads: runs.map((_, i) => JSON.stringify({ input: i })),
      producerWorkerId: null,
      enqueuedAt: t(),
      visibleAt: t(),
    });
    const runIds: (number | null)[] = [];
    for (const [i, status] of runs.entries()) {
      const m = messages[i] as QueueMessage;
      if (status === null) {
        runIds.push(null);
        continue;
      }
      const run = await b.getOrCreateRun({ message: m, now: t() });
      if (status !== "QUEUED") await b.transitionRun({ id: run.id, from: ["QUEUED"], to: "RUNNING", now: t(1) });
      if (status === "SUCCESS") {
        await b.transitionRun({ id: run.id, from: ["RUNNING"], to: "SUCCESS", now: t(2), output: "1" });
      }
      runIds.push(run.id);
    }
    await b.dequeue({ queueId: q.id, workerId: w.id, limit: runs.length, leaseMs: 1, now: t(), maxReadCt: MAX });
    return { q, messages, runIds };
  }

  const failure = (messageId: number) => ({
    code: "DEAD_LETTERED",
    message: `message ${messageId} reached maxReadCt (${MAX}) deliveries and was dead-lettered`,
  });

  /** A real trigger that makes any run update to ERROR fail inside whatever transaction writes it. */
  async function injectRunFailure(): Promise<() => Promise<void>> {
    if (name === "sqlite") {
      await raw.run({
        sqlite: `CREATE TRIGGER inject_run_failure BEFORE UPDATE OF status ON pgqrs_workflow_runs
                 WHEN NEW.status = 'ERROR' BEGIN SELECT RAISE(ABORT, 'injected run failure'); END`,
        postgres: "",
      });
      return async () => {
        await raw.run({ sqlite: "DROP TRIGGER inject_run_failure", postgres: "" });
      };
    }
    await raw.run({
      sqlite: "",
      postgres: `CREATE FUNCTION {{schema}}.inject_run_failure() RETURNS trigger LANGUAGE plpgsql
                 AS $$ BEGIN RAISE EXCEPTION 'injected run failure'; END $$`,
    });
    await raw.run({
      sqlite: "",
      postgres: `CREATE TRIGGER inject_run_failure BEFORE UPDATE ON {{schema}}.pgqrs_workflow_runs FOR EACH ROW
                 WHEN (NEW.status = 'ERROR') EXECUTE FUNCTION {{schema}}.inject_run_failure()`,
    });
    return async () => {
      await raw.run({ sqlite: "", postgres: "DROP TRIGGER inject_run_failure ON {{schema}}.pgqrs_workflow_runs" });
      await raw.run({ sqlite: "", postgres: "DROP FUNCTION {{schema}}.inject_run_failure()" });
    };
  }

  it("deadLetter fails the unfinished runs of the messages it dead-letters and says which", async () => {
    const { q, messages, runIds } = await exhausted([null, "QUEUED", "RUNNING", "SUCCESS"]);
    const [plain, queued, running, done] = messages.map((m) => m.id) as [number, number, number, number];
    const result = await b.deadLetter({ queueId: q.id, maxReadCt: MAX, now: t(10) });
    expect(result).toEqual({ ids: [plain, queued, running, done], failedRuns: [runIds[1], runIds[2]] });
    expect(await b.getRun(runIds[1] as number)).toMatchObject({
      status: "ERROR",
      error: failure(queued),
      completedAt: t(10),
      updatedAt: t(10),
    });
    expect(await b.getRun(runIds[2] as number)).toMatchObject({ status: "ERROR", error: failure(running) });
    expect(await b.getRun(runIds[3] as number)).toMatchObject({ status: "SUCCESS", output: 1, error: null });
  });

  it("a failure inside the transaction leaves neither the dead letter nor the run failure", async () => {
    const { q, messages, runIds } = await exhausted(["RUNNING"]);
    const id = (messages[0] as QueueMessage).id;
    const removeTrigger = await injectRunFailure();
    try {
      expect(await errorCode(() => b.deadLetter({ queueId: q.id, maxReadCt: MAX, now: t(10) }))).not.toBe("none");
      expect(await errorCode(() => pgqrs.admin(store).dlq(q))).not.toBe("none");
    } finally {
      await removeTrigger();
    }
    expect(await b.getMessage(id)).toMatchObject({ archivedAt: null, deadLetteredAt: null });
    expect(await b.countMessages({ queueId: q.id, state: "dead" })).toBe(0);
    expect((await b.getRun(runIds[0] as number))?.status).toBe("RUNNING");

    expect(await pgqrs.admin(store).dlq(q)).toEqual([id]);
    expect(await b.getRun(runIds[0] as number)).toMatchObject({ status: "ERROR", error: failure(id) });
  });

  it("Admin.dlq() without a queue, every queue at the store's limit: one list of the queues, then one dead-letter call", async () => {
    const one = await exhausted(["QUEUED"]);
    const two = await exhausted([null, null]);
    const deadLetter = vi.spyOn(b, "deadLetter");
    const listQueues = vi.spyOn(b, "listQueues");
    const statements = vi.spyOn(pg.Client.prototype, "query");
    const ids = await pgqrs.admin(store).dlq();
    expect(ids).toEqual([...one.messages, ...two.messages].map((m) => m.id).sort((x, y) => x - y));
    // The queues are read for their own attempt limits (retry.maxAttempts); all at the store's, so one statement
    // dead-letters every queue, as pgqrs's.
    expect(listQueues).toHaveBeenCalledTimes(1);
    expect(deadLetter).toHaveBeenCalledTimes(1);
    expect(deadLetter.mock.calls[0]?.[0]).not.toHaveProperty("queueId");
    if (name === "postgres") expect(statements).toHaveBeenCalledTimes(2);
    expect((await b.getRun(one.runIds[0] as number))?.status).toBe("ERROR");
  });
});
