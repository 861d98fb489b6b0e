/**
 * The workflow primitives on PostgreSQL (issue 15): the plans of the hot statements with the parent wake-up, over an
 * analysed backlog with sequential scans off: every table reached through an index condition, the parent's wake-up a
 * primary-key probe. The store and the shared setups are in run-primitives-postgres-support.ts; the contract both
 * backends share is in run-primitives-contract-*.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import { uniqueName } from "../support/backends.js";
import { HOUR, usePrimitivesSchema } from "./run-primitives-postgres-support.js";

const fx = usePrimitivesSchema();
const { q, sent, raw } = fx;
let b: StoreBackend;
beforeAll(() => {
  ({ b } = fx);
});

describe("workflow primitives on PostgreSQL", () => {
  const { t, running } = fx;

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
      expectIndexedPlan(name, lines);
      // The parent's wake-up is a primary-key probe of its message (never a walk over unarchived messages).
      const wake = lines.split("Update on pgqrs_messages wm")[1];
      if (wake !== undefined || name === "transition_run" || name === "complete_run_and_archive") {
        expect(wake, name).toContain("Index Scan using pgqrs_messages_pkey on pgqrs_messages wm");
        expect(wake, name).not.toMatch(/Bitmap Heap Scan on pgqrs_messages wm/);
      }
    }

    // The suspension is a function (migration 0018): its statements' plans, as auto_explain reports them (nested
    // statements included) to a session that runs it on a fresh RUNNING run, rolled back.
    const entry = [...sent.entries()].find(([k]) => k.endsWith("_suspend_run"));
    expect(entry, "suspend_run").toBeDefined();
    const fresh = await running();
    const values = [...entry![1].values];
    values.splice(0, 3, fresh.run.id, fresh.run.messageId, fresh.worker.id);
    const plans: string[] = [];
    c.on("notice", (n) => {
      if (/plan:/.test(n.message ?? "")) plans.push(n.message ?? "");
    });
    await c.query("BEGIN");
    await c.query("LOAD 'auto_explain'");
    await c.query(
      "SET LOCAL auto_explain.log_min_duration = 0; SET LOCAL auto_explain.log_nested_statements = on; SET LOCAL client_min_messages = log; SET LOCAL enable_seqscan = off",
    );
    const [row] = (await c.query({ text: entry![1].text, values })).rows;
    await c.query("ROLLBACK");
    expect(row.outcome).toBe("paused");
    // The lock, the wake check and the two updates (and the call itself).
    const inner = plans.filter((p) => !p.includes("pgqrs_suspend_run("));
    expect(inner.length).toBeGreaterThanOrEqual(4);
    for (const p of inner) expectIndexedPlan(`suspend_run: ${p.split("\n")[1] ?? ""}`, p);
  });
});

/** A plan reaches every table through an index entered by a condition (`name` labels the failure). */
function expectIndexedPlan(name: string, lines: string): void {
  if (process.env.PGQRS_SHOW_PLANS) console.log(name, lines);
  // pgqrs_workflows (one row per workflow definition) has no index on queue_id: the claim's run insert reads it
  // whole, as it did before the primitives.
  const scans = (lines.match(/Seq Scan on \w+/g) ?? []).filter((s) => s !== "Seq Scan on pgqrs_workflows");
  expect({ name, scans }).toEqual({ name, scans: [] });
  // Every index is entered by a condition, not walked whole.
  const planLines = lines.split("\n");
  const walks = planLines.filter((l, i) => /Index (Only )?Scan/.test(l) && !/Index Cond/.test(planLines[i + 1] ?? ""));
  expect({ name, walks }).toEqual({ name, walks: [] });
}
