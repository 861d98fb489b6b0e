/**
 * The workflow primitives' run operations on SQLite (see run-primitives.ts): operation rows, suspension and
 * wake-ups, idempotent triggers, cancellation of a run tree. Messages and events are in sqlite-run-messages.ts.
 * Each write that checks before it writes is one `BEGIN IMMEDIATE` transaction: SQLite serialises writers, so
 * nothing can slip in between (what the row locks do on PostgreSQL).
 */
import { workflowNotCreated } from "../../workflow-not-created.js";
import type { QueueMessage, RunRecord, StepRecord, WorkflowStatus } from "../../types.js";
import type { BeginRunOpParams, SuspendRunParams, TriggerRunParams, WakeCondition } from "../run-primitives.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import {
  encodeWaitingFor,
  type MessageRow,
  type RunRow,
  type StepRow,
  toMessage,
  toRun,
  toStep,
} from "./sqlite-rows.js";
import { wakeRunMessage } from "./sqlite-run-wake.js";
import { encodeTime } from "./sqlite-time.js";

/* The SELECT needs a WHERE for SQLite to parse the upsert; the EXISTS also keeps a missing run from being written. */
const BEGIN_OP_SQL = `INSERT INTO pgqrs_workflow_steps
  (run_id, step_name, status, kind, input, started_at, retry_count, created_at, updated_at, output, completed_at)
SELECT @runId, @name, CASE WHEN @output IS NULL THEN 'RUNNING' ELSE 'SUCCESS' END, @kind, @input, @now, 0, @now, @now,
       @output, CASE WHEN @output IS NULL THEN NULL ELSE @now END
 WHERE EXISTS (SELECT 1 FROM pgqrs_workflow_runs WHERE id = @runId)
ON CONFLICT (run_id, step_name) DO NOTHING`;

function stepRow(c: SqliteConnection, runId: number, name: string): StepRow | undefined {
  return c.get<StepRow>("SELECT * FROM pgqrs_workflow_steps WHERE run_id = ? AND step_name = ?", runId, name);
}

function runRow(c: SqliteConnection, runId: number): RunRow | undefined {
  return c.get<RunRow>("SELECT * FROM pgqrs_workflow_runs WHERE id = ?", runId);
}

export function beginRunOp(
  c: SqliteConnection,
  p: BeginRunOpParams,
): { runStatus: WorkflowStatus | null; step: StepRecord | null } {
  return c.immediate(() => {
    const run = c.get<{ status: WorkflowStatus }>("SELECT status FROM pgqrs_workflow_runs WHERE id = ?", p.runId);
    if (run === undefined) return { runStatus: null, step: null };
    c.run(BEGIN_OP_SQL, {
      runId: p.runId,
      name: p.name,
      kind: p.kind,
      input: p.input,
      now: encodeTime(p.now),
      output: p.output ?? null,
    });
    return { runStatus: run.status, step: toStep(stepRow(c, p.runId, p.name)!) };
  });
}

export function finishRunOp(
  c: SqliteConnection,
  p: { runId: number; name: string; output: string; now: Date },
): StepRecord | null {
  const now = encodeTime(p.now);
  const row =
    c.get<StepRow>(
      `UPDATE pgqrs_workflow_steps
          SET status = 'SUCCESS', output = @output, completed_at = @now, updated_at = @now, retry_at = NULL
        WHERE run_id = @runId AND step_name = @name AND status <> 'SUCCESS'
        RETURNING *`,
      { output: p.output, now, runId: p.runId, name: p.name },
    ) ?? stepRow(c, p.runId, p.name);
  return row === undefined ? null : toStep(row);
}

const WAKE_CONDITION_SQL: Record<WakeCondition["kind"], string> = {
  message: `SELECT 1 FROM pgqrs_workflow_messages
             WHERE run_id = @runId AND topic = @topic AND consumed_at IS NULL LIMIT 1`,
  child: `SELECT 1 FROM pgqrs_workflow_runs WHERE id = @childRunId AND status IN ('SUCCESS', 'ERROR', 'CANCELLED')`,
  event: "SELECT 1 FROM pgqrs_workflow_events WHERE run_id = @eventRunId AND key = @key",
};

function holds(c: SqliteConnection, runId: number, w: WakeCondition): boolean {
  switch (w.kind) {
    case "message":
      return c.get(WAKE_CONDITION_SQL.message, { runId, topic: w.topic }) !== undefined;
    case "child":
      return c.get(WAKE_CONDITION_SQL.child, { childRunId: w.childRunId }) !== undefined;
    case "event":
      return c.get(WAKE_CONDITION_SQL.event, { eventRunId: w.runId, key: w.key }) !== undefined;
  }
}

const PAUSE_SQL = `UPDATE pgqrs_workflow_runs
   SET status = 'PAUSED', paused_at = @now, updated_at = @now, waiting_for = @waitingFor
 WHERE id = @runId
 RETURNING *`;

/** As `release` with `refundDelivery`: the suspension was not a failed delivery. */
const RELEASE_SQL = `UPDATE pgqrs_messages
   SET consumer_worker_id = NULL, vt = @visibleAt, read_ct = MAX(read_ct - 1, 0)
 WHERE id = @messageId`;

type SuspendResult = { outcome: "paused" | "cancelling" | "lost"; woken: boolean; run: RunRecord | null };

export function suspendRun(c: SqliteConnection, p: SuspendRunParams): SuspendResult {
  const now = encodeTime(p.now);
  const waitingFor = encodeWaitingFor(p.waitingFor);
  const until = encodeTime(p.until);
  return c.immediate((): SuspendResult => {
    const run = runRow(c, p.runId);
    if (run === undefined) return { outcome: "lost", woken: false, run: null };
    if (run.status === "CANCELLING") return { outcome: "cancelling", woken: false, run: toRun(run) };
    if (run.status !== "RUNNING" && run.status !== "QUEUED" && run.status !== "PAUSED") {
      return { outcome: "lost", woken: false, run: toRun(run) };
    }
    const held = c.get<{ ok: number }>(
      `SELECT 1 AS ok FROM pgqrs_messages
        WHERE id = @messageId AND consumer_worker_id = @workerId AND archived_at IS NULL`,
      { messageId: p.messageId, workerId: p.workerId },
    );
    if (held === undefined || run.message_id !== p.messageId) {
      return { outcome: "lost", woken: false, run: toRun(run) };
    }
    const woken = p.wakeIf.some((w) => holds(c, p.runId, w));
    const paused = c.get<RunRow>(PAUSE_SQL, { runId: p.runId, now, waitingFor })!;
    c.run(RELEASE_SQL, { messageId: p.messageId, visibleAt: woken ? now : until });
    return { outcome: "paused", woken, run: toRun(paused) };
  });
}

export function wakeRun(c: SqliteConnection, p: { runId: number; now: Date }): boolean {
  return wakeRunMessage(c, p.runId, encodeTime(p.now));
}

const INSERT_TRIGGER_SQL = `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt)
VALUES (@queueId, @payload, 0, @now, @now) RETURNING *`;

const INSERT_RUN_SQL = `INSERT INTO pgqrs_workflow_runs
  (workflow_id, message_id, status, input, parent_run_id, idempotency_key, created_at, updated_at, version)
VALUES (@workflowId, @messageId, 'QUEUED', @payload, @parentRunId, @key, @now, @now, json_extract(@payload, '$.version'))
RETURNING *`;

type TriggerResult = { message: QueueMessage; run: RunRecord; created: boolean };

/**
 * The key's check and the inserts under one write lock: a concurrent trigger with the same key (any process on the
 * file) waits, then finds the run. The caller signals the queue's consumers in this process (enqueue-signals), as
 * a producer's enqueue does; other processes see the message at their next poll.
 */
export function triggerRun(c: SqliteConnection, p: TriggerRunParams): TriggerResult {
  const now = encodeTime(p.now);
  return c.immediate((): TriggerResult => {
    const wf = c.get<{ id: number; queue_id: number }>(
      "SELECT id, queue_id FROM pgqrs_workflows WHERE name = ?",
      p.workflowName,
    );
    if (wf === undefined) {
      throw workflowNotCreated(p.workflowName, { details: { workflowName: p.workflowName } });
    }
    if (p.idempotencyKey !== null) {
      const first = c.get<RunRow>(
        "SELECT * FROM pgqrs_workflow_runs WHERE workflow_id = ? AND idempotency_key = ?",
        wf.id,
        p.idempotencyKey,
      );
      if (first !== undefined) {
        const message = c.get<MessageRow>("SELECT * FROM pgqrs_messages WHERE id = ?", first.message_id)!;
        return { message: toMessage(message), run: toRun(first), created: false };
      }
    }
    const message = c.get<MessageRow>(INSERT_TRIGGER_SQL, { queueId: wf.queue_id, payload: p.payload, now })!;
    const run = c.get<RunRow>(INSERT_RUN_SQL, {
      workflowId: wf.id,
      messageId: message.id,
      payload: p.payload,
      parentRunId: p.parentRunId,
      key: p.idempotencyKey,
      now,
    })!;
    return { message: toMessage(message), run: toRun(run), created: true };
  });
}

/*
 * The run and its descendants by parent_run_id (idx_workflow_runs_parent); UNION, not UNION ALL, so a cycle written
 * by hand cannot loop. Finished runs are walked too: their unfinished children are cancelled all the same.
 */
const CANCEL_TREE_SQL = `WITH RECURSIVE tree(id) AS (
  SELECT @runId
  UNION
  SELECT r.id FROM pgqrs_workflow_runs r JOIN tree t ON r.parent_run_id = t.id
)
UPDATE pgqrs_workflow_runs
   SET status = 'CANCELLING', updated_at = @now, waiting_for = NULL
 WHERE id IN (SELECT id FROM tree) AND status IN ('QUEUED', 'RUNNING', 'PAUSED')
RETURNING id`;

export function cancelRunTree(c: SqliteConnection, p: { runId: number; now: Date }): RunRecord | null {
  const now = encodeTime(p.now);
  return c.immediate(() => {
    if (runRow(c, p.runId) === undefined) return null;
    const cancelled = c.all<{ id: number }>(CANCEL_TREE_SQL, { runId: p.runId, now });
    for (const r of cancelled) wakeRunMessage(c, r.id, now);
    return toRun(runRow(c, p.runId)!);
  });
}

export function listChildRuns(c: SqliteConnection, p: { runId: number }): RunRecord[] {
  return c.all<RunRow>("SELECT * FROM pgqrs_workflow_runs WHERE parent_run_id = ? ORDER BY id", p.runId).map(toRun);
}
