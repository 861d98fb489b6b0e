/**
 * The workflow primitives on PostgreSQL where another connection matters (issue 15): no wake-up is lost when a
 * waker races a suspension (either one holding its row locks first), the parent woken by a child's event, the
 * migration over a schema at 0007, and the plans of the hot statements with the parent wake-up (no scan).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations, renderMigration } from "../../src/store/postgres/postgres-migrations.js";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { RunRecord, WorkerRecord } from "../../src/types.js";
import { testClock } from "../support/backend-factories.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";

const HOUR = 3_600_000;
const schema = uniqueName("prim");
const q = `"${schema}"`;
/** Every statement the backend sends, by prepared-statement name (or text when unnamed). */
const sent = new Map<string, { text: string; values: unknown[] }>();
let pool: pg.Pool;
let b: StoreBackend;
const raws: pg.Client[] = [];

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: postgresDsn(), max: 6 });
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0] as { name?: string; text?: string; values?: unknown[] };
      if (typeof config === "object" && config !== null && typeof config.text === "string") {
        sent.set(config.name ?? config.text, { text: config.text, values: config.values ?? [] });
      }
      return query(...args);
    };
  });
  b = await createPostgresBackend({ pool, schema, maxConnections: 6, connectionTimeoutMs: 5_000 });
  await b.install();
});

afterAll(async () => {
  for (const c of raws) await c.end().catch(() => undefined);
  await b.close();
  await pool.end();
  await dropSchema(schema);
});

async function raw(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: postgresDsn() });
  await c.connect();
  raws.push(c);
  return c;
}

/** Resolves once some other session waits for a lock `holder` (a raw client's backend) holds. */
async function blockedOn(holder: pg.Client): Promise<void> {
  const pid = ((await holder.query("SELECT pg_backend_pid() AS pid")).rows[0] as { pid: number }).pid;
  const watcher = await raw();
  for (;;) {
    const r = await watcher.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))",
      [pid],
    );
    if ((r.rows[0] as { n: number }).n > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function vtOf(messageId: number): Promise<Date | undefined> {
  return (await b.getMessage(messageId))?.vt;
}

describe("workflow primitives on PostgreSQL", () => {
  const t = testClock();

  async function running(parent: number | null = null): Promise<{ run: RunRecord; worker: WorkerRecord }> {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const worker = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: t() });
    await b.triggerRun({ workflowName: wf.name, payload: "{}", idempotencyKey: null, parentRunId: parent, now: t() });
    const [got] = await b.dequeueAndStartRuns!({
      queueId: wf.queueId,
      workerId: worker.id,
      limit: 1,
      leaseMs: 30_000,
      now: t(),
      maxReadCt: 5,
    });
    return { run: got!.run!, worker };
  }

  /** What suspendRun does, by hand on `c`: the locks first, then the check and the release, in one transaction. */
  async function lockForSuspension(c: pg.Client, run: RunRecord): Promise<void> {
    await c.query("BEGIN");
    await c.query(
      `SELECT 1 FROM ${q}.pgqrs_workflow_runs r JOIN ${q}.pgqrs_messages m ON m.id = r.message_id
        WHERE r.id = $1 FOR NO KEY UPDATE OF r, m`,
      [run.id],
    );
  }

  async function releaseAndCommit(c: pg.Client, run: RunRecord, until: Date): Promise<void> {
    await c.query(
      `UPDATE ${q}.pgqrs_workflow_runs SET status = 'PAUSED', waiting_for = '{"kind":"child"}' WHERE id = $1`,
      [run.id],
    );
    await c.query(`UPDATE ${q}.pgqrs_messages SET consumer_worker_id = NULL, vt = $2 WHERE id = $1`, [
      run.messageId,
      until,
    ]);
    await c.query("COMMIT");
  }

  it("a send racing a suspension that holds its locks is not lost: the message ends visible at the send's time", async () => {
    const { run } = await running();
    const c = await raw();
    await lockForSuspension(c, run);
    const send = b.sendRunMessage({
      runId: run.id,
      topic: "go",
      payload: "1",
      idempotencyKey: null,
      senderRunId: null,
      now: t(50),
    });
    await blockedOn(c);
    // The suspension's check, in its own snapshot, cannot see the uncommitted message.
    const seen = await c.query(`SELECT count(*)::int AS n FROM ${q}.pgqrs_workflow_messages WHERE run_id = $1`, [
      run.id,
    ]);
    expect((seen.rows[0] as { n: number }).n).toBe(0);
    await releaseAndCommit(c, run, t(HOUR));
    expect((await send).created).toBe(true);
    expect(await vtOf(run.messageId)).toEqual(t(50));
  });

  it("a child's end racing its parent's suspension is not lost", async () => {
    const parent = await running();
    const child = await running(parent.run.id);
    const c = await raw();
    await lockForSuspension(c, parent.run);
    const done = b.completeRunAndArchive({
      id: child.run.id,
      from: ["RUNNING"],
      to: "SUCCESS",
      now: t(60),
      output: "1",
      messageId: child.run.messageId,
      workerId: child.worker.id,
    });
    await blockedOn(c);
    await releaseAndCommit(c, parent.run, t(HOUR));
    expect((await done).archived).toBe(true);
    expect(await vtOf(parent.run.messageId)).toEqual(t(60));
  });

  it("a suspension waiting for a waker's locks sees what the waker wrote and wakes at once", async () => {
    const { run, worker } = await running();
    const c = await raw();
    // A send, by hand, not yet committed: its message inserted, the trigger message's row updated by id.
    await c.query("BEGIN");
    await c.query(
      `INSERT INTO ${q}.pgqrs_workflow_messages (run_id, topic, payload, created_at) VALUES ($1, 'go', '1', $2)`,
      [run.id, t(5)],
    );
    await c.query(
      `UPDATE ${q}.pgqrs_messages SET vt = CASE WHEN consumer_worker_id IS NULL THEN $2 ELSE vt END WHERE id = $1`,
      [run.messageId, t(5)],
    );
    const suspended = b.suspendRun({
      runId: run.id,
      messageId: run.messageId,
      workerId: worker.id,
      now: t(10),
      waitingFor: JSON.stringify({ kind: "message", topic: "go" }),
      until: t(HOUR),
      wakeIf: [{ kind: "message", topic: "go" }],
    });
    await blockedOn(c);
    await c.query("COMMIT");
    expect(await suspended).toMatchObject({ outcome: "paused", woken: true });
    expect(await vtOf(run.messageId)).toEqual(t(10));
  });

  it("concurrent sends with one key write one message", async () => {
    const { run } = await running();
    const all = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        b.sendRunMessage({
          runId: run.id,
          topic: "t",
          payload: String(i),
          idempotencyKey: "once",
          senderRunId: null,
          now: t(i),
        }),
      ),
    );
    expect(new Set(all.map((r) => r.message.id)).size).toBe(1);
    expect(all.filter((r) => r.created).length).toBe(1);
    expect((await b.listRunMessages({ runId: run.id })).length).toBe(1);
  });

  it("a child's event wakes its parent when the parent waits for an event", async () => {
    const parent = await running();
    const child = await running(parent.run.id);
    await b.suspendRun({
      runId: parent.run.id,
      messageId: parent.run.messageId,
      workerId: parent.worker.id,
      now: t(10),
      waitingFor: JSON.stringify({ kind: "event" }),
      until: t(HOUR),
      wakeIf: [{ kind: "event", runId: child.run.id, key: "ready" }],
    });
    await b.setRunEvent({ runId: child.run.id, key: "ready", value: "true", now: t(40) });
    expect(await vtOf(parent.run.messageId)).toEqual(t(40));
  });

  it("a trigger and a wake-up notify the queue's listeners, this store's own included", async () => {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    let heard = 0;
    let hear: () => void = () => undefined;
    const unlisten = await b.listen!({ queueId: wf.queueId, onNotify: () => hear() });
    const next = () =>
      new Promise<void>((resolve) => {
        hear = () => {
          heard += 1;
          resolve();
        };
      });
    try {
      const triggered = next();
      const { run } = await b.triggerRun({
        workflowName: wf.name,
        payload: "{}",
        idempotencyKey: "n-1",
        parentRunId: null,
        now: t(),
      });
      await triggered;
      const woken = next();
      await b.sendRunMessage({
        runId: run.id,
        topic: "t",
        payload: "1",
        idempotencyKey: null,
        senderRunId: null,
        now: t(),
      });
      await woken;
      expect(heard).toBe(2);
    } finally {
      await unlisten();
    }
  });

  it("a dead-lettered child fails and wakes its suspended parent", async () => {
    const parent = await running();
    const child = await running(parent.run.id);
    await b.suspendRun({
      runId: parent.run.id,
      messageId: parent.run.messageId,
      workerId: parent.worker.id,
      now: t(10),
      waitingFor: JSON.stringify({ kind: "child", childRunId: child.run.id }),
      until: t(HOUR),
      wakeIf: [{ kind: "child", childRunId: child.run.id }],
    });
    const queueId = (await b.getMessage(child.run.messageId))!.queueId;
    const dead = await b.deadLetter({ queueId, maxReadCt: 1, now: t(HOUR / 2) });
    expect(dead).toEqual({ ids: [child.run.messageId], failedRuns: [child.run.id] });
    expect(await b.getRun(child.run.id)).toMatchObject({ status: "ERROR", waitingFor: null });
    expect(await vtOf(parent.run.messageId)).toEqual(t(HOUR / 2));
  });

  it("the hot statements plan no scan: with sequential scans off, every table is reached through an index", async () => {
    // One of each: a claim that starts a run, a step boundary, a finished run with and without a parent.
    const parent = await running();
    const child = await running(parent.run.id);
    for (const r of [parent, child]) {
      const a = await b.acquireStep({ runId: r.run.id, stepName: "s1", now: t(), owner: "o" });
      expect(a.acquired).toBe(true);
      await b.completeStepThenAcquire!({
        complete: { runId: r.run.id, stepName: "s1", now: t(), output: "1", owner: "o" },
        acquire: { runId: r.run.id, stepName: "s2", now: t(), owner: "o" },
      });
      await b.completeRunAndArchive({
        id: r.run.id,
        from: ["RUNNING"],
        to: "SUCCESS",
        now: t(),
        messageId: r.run.messageId,
        workerId: r.worker.id,
      });
    }
    await b.transitionRun({ id: child.run.id, from: ["SUCCESS"], to: "ERROR", now: t() });
    // And the primitives' own statements.
    const other = await running();
    const msg = { topic: "t", payload: "1", idempotencyKey: null, senderRunId: null, now: t() };
    await b.sendRunMessage({ ...msg, runId: other.run.id });
    await b.receiveRunMessage({ runId: other.run.id, topic: "t", stepName: "r", now: t() });
    await b.setRunEvent({ runId: other.run.id, key: "k", value: "1", now: t() });
    await b.suspendRun({
      runId: other.run.id,
      messageId: other.run.messageId,
      workerId: other.worker.id,
      now: t(),
      waitingFor: "{}",
      until: t(HOUR),
      wakeIf: [
        { kind: "message", topic: "t" },
        { kind: "child", childRunId: child.run.id },
        { kind: "event", runId: child.run.id, key: "k" },
      ],
    });
    await b.wakeRun({ runId: other.run.id, now: t() });
    const c = await raw();
    // A backlog, analysed, so the planner costs the tables as they are in use (on a near-empty table any index
    // looks as good as the right one).
    const filler = await b.createWorkflow({ name: uniqueName("filler"), now: t() });
    await c.query(
      `WITH m AS (
         INSERT INTO ${q}.pgqrs_messages (queue_id, payload, enqueued_at, vt, archived_at)
         SELECT $1, '{}', now(), now(), CASE WHEN g % 2 = 0 THEN now() END FROM generate_series(1, 50000) g
         RETURNING id),
       r AS (
         INSERT INTO ${q}.pgqrs_workflow_runs (workflow_id, message_id, status, waiting_for, created_at, updated_at)
         SELECT $2, id, CASE WHEN id % 3 = 0 THEN 'PAUSED' ELSE 'SUCCESS' END::${q}.pgqrs_workflow_status,
                CASE WHEN id % 3 = 0 THEN '{"kind":"event"}'::jsonb END, now(), now() FROM m
         RETURNING id)
       INSERT INTO ${q}.pgqrs_workflow_messages (run_id, topic, payload, created_at, consumed_at)
       SELECT id, 't', '1', now(), CASE WHEN id % 2 = 0 THEN now() END FROM r`,
      [filler.queueId, filler.id],
    );
    await c.query(
      `ANALYZE ${q}.pgqrs_messages; ANALYZE ${q}.pgqrs_workflow_runs; ANALYZE ${q}.pgqrs_workflow_steps;
       ANALYZE ${q}.pgqrs_workflow_messages`,
    );
    const names = [
      "dequeue_and_start_runs",
      "complete_then_acquire_step",
      "complete_run_and_archive",
      "transition_run",
      "trigger_run",
      "send_run_message",
      "receive_run_message",
      "set_run_event",
      "suspend_run_write",
      "wake_run",
    ];
    for (const name of names) {
      const entry = [...sent.entries()].find(([k]) => k.endsWith(`_${name}`));
      expect(entry, name).toBeDefined();
      const { text, values } = entry![1];
      await c.query("BEGIN");
      await c.query("SET LOCAL enable_seqscan = off");
      const plan = await c.query({ text: `EXPLAIN ${text}`, values });
      await c.query("ROLLBACK");
      const lines = plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
      if (process.env.PGQRS_SHOW_PLANS) console.log(name, lines);
      // pgqrs_workflows (one row per workflow definition) has no index on queue_id: the claim's run insert reads it
      // whole, as it did before the primitives.
      const scans = (lines.match(/Seq Scan on \w+/g) ?? []).filter((s) => s !== "Seq Scan on pgqrs_workflows");
      expect({ name, scans }).toEqual({ name, scans: [] });
      // Every index is entered by a condition, not walked whole.
      const planLines = lines.split("\n");
      const walks = planLines.filter(
        (l, i) => /Index (Only )?Scan/.test(l) && !/Index Cond/.test(planLines[i + 1] ?? ""),
      );
      expect({ name, walks }).toEqual({ name, walks: [] });
      // The parent's wake-up is a primary-key probe of its message (never a walk over unarchived messages).
      const wake = lines.split("Update on pgqrs_messages wm")[1];
      if (wake !== undefined || name === "transition_run" || name === "complete_run_and_archive") {
        expect(wake, name).toContain("Index Scan using pgqrs_messages_pkey on pgqrs_messages wm");
        expect(wake, name).not.toMatch(/Bitmap Heap Scan on pgqrs_messages wm/);
      }
    }
  });

  it("0008 applies over a schema at 0007 with data: old rows are plain steps and runs without parent", async () => {
    const old = uniqueName("prim_old");
    const c = await raw();
    await c.query(`CREATE SCHEMA "${old}"`);
    await c.query(`CREATE TABLE "${old}".pgqrs_migrations (version INT PRIMARY KEY, name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    for (const m of (await loadMigrations()).filter((m) => m.version <= 7)) {
      await c.query(renderMigration(m, `"${old}"`));
      await c.query(`INSERT INTO "${old}".pgqrs_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
    // Rows as a 0007 release (or pgqrs) wrote them.
    const [row] = (
      await c.query(
        `WITH qu AS (INSERT INTO "${old}".pgqrs_queues (queue_name) VALUES ('old_flow') RETURNING id),
         wf AS (INSERT INTO "${old}".pgqrs_workflows (name, queue_id) SELECT 'old_flow', id FROM qu RETURNING id),
         m AS (INSERT INTO "${old}".pgqrs_messages (queue_id, payload) SELECT id, '{"input":1}' FROM qu RETURNING id),
         r AS (INSERT INTO "${old}".pgqrs_workflow_runs (workflow_id, message_id, status, input)
               SELECT wf.id, m.id, 'RUNNING', '{"input":1}' FROM wf, m RETURNING id)
         INSERT INTO "${old}".pgqrs_workflow_steps (run_id, step_name, status)
         SELECT id, 'old', 'SUCCESS' FROM r RETURNING run_id`,
      )
    ).rows as { run_id: number }[];
    const run = { id: Number(row!.run_id) };
    const store = await createPostgresBackend({
      connectionString: postgresDsn(),
      schema: old,
      maxConnections: 2,
      connectionTimeoutMs: 5_000,
    });
    try {
      await store.install();
      await store.verify();
      expect(await store.getRun(run.id)).toMatchObject({ id: run.id, parentRunId: null, waitingFor: null });
      expect(await store.getStep({ runId: run.id, stepName: "old" })).toMatchObject({ kind: "step" });
      const versions = await c.query(`SELECT version FROM "${old}".pgqrs_migrations ORDER BY version`);
      expect(versions.rows.map((r: { version: number }) => r.version)).toContain(8);
      await store.sendRunMessage({
        runId: run.id,
        topic: "t",
        payload: "1",
        idempotencyKey: null,
        senderRunId: null,
        now: t(),
      });
      expect((await store.listRunMessages({ runId: run.id })).length).toBe(1);
    } finally {
      await store.close();
      await dropSchema(old);
    }
  });
});
