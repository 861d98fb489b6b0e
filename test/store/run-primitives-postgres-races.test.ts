/**
 * The workflow primitives on PostgreSQL where another connection matters (issue 15): no wake-up is lost when a waker
 * races a suspension, either one holding its row locks first (a raw client takes the suspension's locks by hand), and
 * concurrent sends with one key write one message, and a keyed trigger meeting an uncommitted trigger of its key
 * answers with that one's run. The store and the shared setups are in
 * run-primitives-postgres-support.ts; the contract both backends share is in run-primitives-contract-*.test.ts.
 */
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import type { RunRecord } from "../../src/types.js";
import { uniqueName } from "../support/backends.js";
import { HOUR, usePrimitivesSchema } from "./run-primitives-postgres-support.js";

const fx = usePrimitivesSchema();
const { q, raw, blockedOn, vtOf } = fx;
let b: StoreBackend;
beforeAll(() => {
  ({ b } = fx);
});

describe("workflow primitives on PostgreSQL", () => {
  const { t, running } = fx;

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

  it("a keyed trigger racing an uncommitted trigger with its key returns that run once it commits, writing nothing", async () => {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const c = await raw();
    // Another trigger of the key, by hand: its message and run inserted, not yet committed.
    await c.query("BEGIN");
    const { rows } = await c.query(
      `WITH m AS (INSERT INTO ${q}.pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt)
                  VALUES ($1, '{"input":0}', 0, $2, $2) RETURNING id)
       INSERT INTO ${q}.pgqrs_workflow_runs (workflow_id, message_id, status, input, created_at, updated_at,
                                              idempotency_key)
       SELECT $3, m.id, 'QUEUED', '{"input":0}', $2, $2, 'k' FROM m RETURNING id, message_id`,
      [wf.queueId, t(), wf.id],
    );
    const other = rows[0] as { id: string; message_id: string };
    const trigger = b.triggerRun({
      workflowName: wf.name,
      payload: '{"input":1}',
      idempotencyKey: "k",
      parentRunId: null,
      now: t(5),
    });
    // The trigger's run insert waits on the key's unique index for the other transaction.
    await blockedOn(c);
    await c.query("COMMIT");
    const got = await trigger;
    expect(got.created).toBe(false);
    expect(got.run.id).toBe(Number(other.id));
    expect(got.message.id).toBe(Number(other.message_id));
    const counts = await c.query(
      `SELECT (SELECT count(*)::int FROM ${q}.pgqrs_messages WHERE queue_id = $1) AS messages,
              (SELECT count(*)::int FROM ${q}.pgqrs_workflow_runs WHERE workflow_id = $2) AS runs`,
      [wf.queueId, wf.id],
    );
    expect(counts.rows[0]).toEqual({ messages: 1, runs: 1 });
  });
});
