/** Workflow definitions and runs. */
import { PgqrsError } from "../../errors.js";
import { createWorkflowHint } from "../../workflow-not-created.js";
import type { RunRecord, WorkflowRecord } from "../../types.js";
import type { CompleteRunAndArchiveParams, CreateRunParams, ListRunsParams, TransitionRunParams } from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { FINISHED_STATUSES, wakeRunMessage } from "./sqlite-run-wake.js";
import {
  encodeWaitingFor,
  pageOf,
  type RunRow,
  toRun,
  toWorkflow,
  type WorkflowRow,
  whereClause,
} from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

export function createWorkflow(c: SqliteConnection, p: { name: string; now: Date }): WorkflowRecord {
  const now = encodeTime(p.now);
  // IMMEDIATE, and DO NOTHING on both inserts: two concurrent creations of one name both return the same row.
  return c.immediate(() => {
    c.run(
      "INSERT INTO pgqrs_queues (queue_name, created_at) VALUES (?, ?) ON CONFLICT (queue_name) DO NOTHING",
      p.name,
      now,
    );
    c.run(
      `INSERT INTO pgqrs_workflows (name, queue_id, created_at)
       SELECT @name, id, @now FROM pgqrs_queues WHERE queue_name = @name
       ON CONFLICT (name) DO NOTHING`,
      { name: p.name, now },
    );
    return toWorkflow(c.get<WorkflowRow>("SELECT * FROM pgqrs_workflows WHERE name = ?", p.name)!);
  });
}

export function getWorkflowByName(c: SqliteConnection, name: string): WorkflowRecord | null {
  const row = c.get<WorkflowRow>("SELECT * FROM pgqrs_workflows WHERE name = ?", name);
  return row === undefined ? null : toWorkflow(row);
}

export function getWorkflowById(c: SqliteConnection, id: number): WorkflowRecord | null {
  const row = c.get<WorkflowRow>("SELECT * FROM pgqrs_workflows WHERE id = ?", id);
  return row === undefined ? null : toWorkflow(row);
}

/** pgqrs's order: newest first. */
export function listWorkflows(c: SqliteConnection): WorkflowRecord[] {
  return c.all<WorkflowRow>("SELECT * FROM pgqrs_workflows ORDER BY created_at DESC, id DESC").map(toWorkflow);
}

function runByMessageId(c: SqliteConnection, messageId: number): RunRow | undefined {
  return c.get<RunRow>("SELECT * FROM pgqrs_workflow_runs WHERE message_id = ?", messageId);
}

/*
 * The run's input is the stored payload text, copied in SQL, so it is byte-for-byte what the producer enqueued.
 * ON CONFLICT (message_id) DO NOTHING makes a concurrent creation for the same message harmless: both callers
 * then read the one row.
 */
const CREATE_RUN_SQL = `INSERT INTO pgqrs_workflow_runs
  (workflow_id, message_id, status, input, created_at, updated_at, version)
SELECT w.id, m.id, 'QUEUED', m.payload, @now, @now, json_extract(m.payload, '$.version')
FROM pgqrs_messages m JOIN pgqrs_workflows w ON w.queue_id = m.queue_id
WHERE m.id = @messageId
ON CONFLICT (message_id) DO NOTHING`;

export function getOrCreateRun(c: SqliteConnection, p: CreateRunParams): RunRecord {
  const existing = runByMessageId(c, p.message.id);
  if (existing !== undefined) return toRun(existing);
  return c.immediate(() => {
    c.run(CREATE_RUN_SQL, { messageId: p.message.id, now: encodeTime(p.now) });
    const row = runByMessageId(c, p.message.id);
    if (row !== undefined) return toRun(row);
    const queue = c.get<{ queue_name: string }>("SELECT queue_name FROM pgqrs_queues WHERE id = ?", p.message.queueId);
    const queueName = queue?.queue_name ?? String(p.message.queueId);
    const exists = c.get<{ id: number }>("SELECT id FROM pgqrs_messages WHERE id = ?", p.message.id);
    if (exists === undefined) {
      throw new PgqrsError("MESSAGE_NOT_FOUND", `Message with id '${p.message.id}' not found`, {
        details: { messageId: p.message.id },
      });
    }
    throw new PgqrsError(
      "WORKFLOW_NOT_FOUND",
      `No workflow is defined for queue '${queueName}' (message ${p.message.id}). ${createWorkflowHint(queueName)}`,
      { details: { queueId: p.message.queueId, queueName, messageId: p.message.id } },
    );
  });
}

export function getRun(c: SqliteConnection, id: number): RunRecord | null {
  const row = c.get<RunRow>("SELECT * FROM pgqrs_workflow_runs WHERE id = ?", id);
  return row === undefined ? null : toRun(row);
}

export function getRunByMessageId(c: SqliteConnection, messageId: number): RunRecord | null {
  const row = runByMessageId(c, messageId);
  return row === undefined ? null : toRun(row);
}

type RunFilter = Omit<ListRunsParams, "limit" | "offset">;

function filterOf(p: RunFilter): { where: string; params: (number | string)[] } {
  const conditions: string[] = [];
  const params: (number | string)[] = [];
  if (p.workflowId !== undefined) {
    conditions.push("workflow_id = ?");
    params.push(p.workflowId);
  }
  if (p.status !== undefined) {
    conditions.push("status = ?");
    params.push(p.status);
  }
  return { where: whereClause(conditions), params };
}

export function listRuns(c: SqliteConnection, p: ListRunsParams): RunRecord[] {
  const { where, params } = filterOf(p);
  const [limit, offset] = pageOf(p);
  return c
    .all<RunRow>(
      `SELECT * FROM pgqrs_workflow_runs ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      ...params,
      limit,
      offset,
    )
    .map(toRun);
}

export function countRuns(c: SqliteConnection, p: RunFilter): number {
  const { where, params } = filterOf(p);
  return c.get<{ n: number }>(`SELECT COUNT(*) AS n FROM pgqrs_workflow_runs ${where}`, ...params)?.n ?? 0;
}

/** The status guard is in the WHERE clause, so a concurrent transition makes this one a no-op (`null`). */
const TRANSITION_RUN_SQL = `UPDATE pgqrs_workflow_runs
SET status = @to,
    updated_at = @now,
    started_at = CASE WHEN @to = 'RUNNING' THEN COALESCE(started_at, @now) ELSE started_at END,
    paused_at = CASE WHEN @to = 'PAUSED' THEN @now ELSE paused_at END,
    completed_at = CASE WHEN @to IN ('SUCCESS', 'ERROR', 'CANCELLED') THEN @now ELSE completed_at END,
    output = CASE WHEN @setOutput THEN @output ELSE output END,
    error = CASE WHEN @setError THEN @error ELSE error END,
    waiting_for = CASE WHEN @to <> 'PAUSED' THEN NULL WHEN @setWaiting THEN @waitingFor ELSE waiting_for END
WHERE id = @id AND status IN (SELECT value FROM json_each(@from)) AND (@parentless = 0 OR parent_run_id IS NULL)
RETURNING *`;

/**
 * The transition's statement, then (only for a child run that finished) the wake-up of its parent; the caller
 * provides the transaction that makes the two one. With `parentless`, a run with a parent is left alone (`null`).
 */
function transitionRunRow(c: SqliteConnection, p: TransitionRunParams, parentless = false): RunRecord | null {
  if (p.from.length === 0) return null;
  const now = encodeTime(p.now);
  const row = c.get<RunRow>(TRANSITION_RUN_SQL, {
    parentless: parentless ? 1 : 0,
    id: p.id,
    to: p.to,
    now,
    from: JSON.stringify(p.from),
    setOutput: p.output === undefined ? 0 : 1,
    output: p.output ?? null,
    setError: p.error === undefined ? 0 : 1,
    error: p.error ?? null,
    setWaiting: p.waitingFor === undefined ? 0 : 1,
    waitingFor: encodeWaitingFor(p.waitingFor ?? null),
  });
  if (row === undefined) return null;
  if (row.parent_run_id !== null && FINISHED_STATUSES.has(p.to)) wakeRunMessage(c, row.parent_run_id, now);
  return toRun(row);
}

/**
 * A transition to a finished status wakes the run's parent in the same write transaction. A run without a parent
 * (nearly all) finishes in one statement outside any transaction: BEGIN IMMEDIATE … COMMIT around one UPDATE
 * measured nearly twice as slow. Only when that statement changed nothing (a child run, or a guard that fails) does
 * the transition run again, with the wake-up, under one transaction.
 */
export function transitionRun(c: SqliteConnection, p: TransitionRunParams): RunRecord | null {
  if (!FINISHED_STATUSES.has(p.to)) return transitionRunRow(c, p);
  return transitionRunRow(c, p, true) ?? c.immediate(() => transitionRunRow(c, p));
}

/** The run's outcome and its message's acknowledgement commit together (one write transaction). */
export function completeRunAndArchive(
  c: SqliteConnection,
  p: CompleteRunAndArchiveParams,
): { run: RunRecord | null; archived: boolean } {
  return c.immediate(() => {
    const run = transitionRunRow(c, p);
    if (run === null) return { run: null, archived: false };
    const archived =
      c.run(
        "UPDATE pgqrs_messages SET archived_at = ? WHERE id = ? AND consumer_worker_id = ? AND archived_at IS NULL",
        encodeTime(p.now),
        p.messageId,
        p.workerId,
      ) === 1;
    return { run, archived };
  });
}

/*
 * The start of a run by a delivery of its message: RUNNING, with the message's consumer as the run's worker and one
 * more attempt. A RUNNING run is started again only by a new delivery (its last one crashed, lost its lease or was
 * released), so it counts too.
 */
const START_RUN_SQL = `UPDATE pgqrs_workflow_runs
SET status = 'RUNNING',
    updated_at = @now,
    started_at = COALESCE(started_at, @now),
    waiting_for = NULL,
    worker_id = COALESCE((SELECT consumer_worker_id FROM pgqrs_messages WHERE id = @messageId), worker_id),
    attempts = attempts + 1
WHERE id = @id AND status IN ('QUEUED', 'PAUSED', 'RUNNING')
RETURNING *`;

/** Create-or-start under one write transaction. */
export function startRun(c: SqliteConnection, p: CreateRunParams): RunRecord {
  return c.immediate(() => {
    const run = getOrCreateRun(c, p);
    if (run.status !== "QUEUED" && run.status !== "PAUSED" && run.status !== "RUNNING") return run;
    const row = c.get<RunRow>(START_RUN_SQL, { id: run.id, messageId: p.message.id, now: encodeTime(p.now) });
    return row === undefined ? run : toRun(row);
  });
}
