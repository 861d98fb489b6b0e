/**
 * Operator actions on runs on SQLite (store/run-operations.ts): retry, resume, fork. Each is one `BEGIN
 * IMMEDIATE` transaction that reads what it decides on and writes under the same write lock (SQLite serialises
 * writers); a refusal writes nothing. Other processes on the file see the woken message at their next poll.
 */
import type {
  ForkRunParams,
  ForkRunResult,
  ResumeRunParams,
  RetryRunParams,
  RunActionResult,
} from "../run-operations.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { type RunRow, toRun } from "./sqlite-rows.js";
import { wakeRunMessage } from "./sqlite-run-wake.js";
import { encodeTime } from "./sqlite-time.js";

interface MessageState {
  queue_id: number;
  consumer_worker_id: number | null;
  archived_at: string | null;
}

function runRow(c: SqliteConnection, runId: number): RunRow | undefined {
  return c.get<RunRow>("SELECT * FROM pgqrs_workflow_runs WHERE id = ?", runId);
}

function messageOf(c: SqliteConnection, run: RunRow): MessageState | undefined {
  return c.get<MessageState>(
    "SELECT queue_id, consumer_worker_id, archived_at FROM pgqrs_messages WHERE id = ?",
    run.message_id,
  );
}

/** As a fresh enqueue would leave it (and `replayDeadLetter`): visible now, never read, nobody holding it. */
const RETRY_MESSAGE_SQL = `UPDATE pgqrs_messages
   SET archived_at = NULL, dead_lettered_at = NULL, read_ct = 0, vt = @now, enqueued_at = @now,
       consumer_worker_id = NULL, dequeued_at = NULL
 WHERE id = @messageId`;

const RETRY_STEPS_SQL = `UPDATE pgqrs_workflow_steps SET retry_count = 0, retry_at = @now, updated_at = @now
 WHERE run_id = @runId AND status = 'ERROR'`;

const RETRY_RUN_SQL = `UPDATE pgqrs_workflow_runs
   SET status = 'QUEUED', output = NULL, error = NULL, completed_at = NULL, waiting_for = NULL, updated_at = @now
 WHERE id = @runId
 RETURNING *`;

export function retryRun(c: SqliteConnection, p: RetryRunParams): RunActionResult {
  const now = encodeTime(p.now);
  return c.immediate((): RunActionResult => {
    const run = runRow(c, p.runId);
    const message = run === undefined ? undefined : messageOf(c, run);
    if (run === undefined || message === undefined) return { outcome: "not-found" };
    if (run.status !== "ERROR" && run.status !== "CANCELLED") return { outcome: "refused", run: toRun(run) };
    c.run(RETRY_MESSAGE_SQL, { now, messageId: run.message_id });
    c.run(RETRY_STEPS_SQL, { now, runId: p.runId });
    const queued = c.get<RunRow>(RETRY_RUN_SQL, { now, runId: p.runId })!;
    return { outcome: "done", run: toRun(queued), queueId: message.queue_id };
  });
}

const RETRY_WAIT_SQL = `SELECT 1 AS waiting FROM pgqrs_workflow_steps
 WHERE run_id = @runId AND status = 'ERROR' AND retry_at > @now LIMIT 1`;

const RESUME_SLEEPS_SQL = `UPDATE pgqrs_workflow_steps
   SET status = 'SUCCESS', output = json_object('until', @iso, 'resumed', json('true')),
       completed_at = @now, updated_at = @now, retry_at = NULL
 WHERE run_id = @runId AND kind = 'sleep' AND status = 'RUNNING'`;

const RESUME_RETRIES_SQL = `UPDATE pgqrs_workflow_steps SET retry_at = @now, updated_at = @now
 WHERE run_id = @runId AND status = 'ERROR' AND retry_at > @now`;

/* The wait's deadline is now for the waits resuming ends (a recv, event or child wait keeps its own). */
const RESUME_RUN_SQL = `UPDATE pgqrs_workflow_runs
   SET updated_at = @now,
       waiting_for = CASE WHEN json_extract(waiting_for, '$.kind') IN ('sleep', 'retry', 'pause')
                          THEN json_set(waiting_for, '$.until', @now) ELSE waiting_for END
 WHERE id = @runId
 RETURNING *`;

export function resumeRun(c: SqliteConnection, p: ResumeRunParams): RunActionResult {
  const now = encodeTime(p.now);
  return c.immediate((): RunActionResult => {
    const run = runRow(c, p.runId);
    const message = run === undefined ? undefined : messageOf(c, run);
    if (run === undefined || message === undefined) return { outcome: "not-found" };
    const waitingForRetry =
      run.status === "RUNNING" &&
      message.consumer_worker_id === null &&
      message.archived_at === null &&
      c.get(RETRY_WAIT_SQL, { runId: p.runId, now }) !== undefined;
    if (run.status !== "PAUSED" && !waitingForRetry) return { outcome: "refused", run: toRun(run) };
    c.run(RESUME_SLEEPS_SQL, { runId: p.runId, now, iso: p.now.toISOString() });
    c.run(RESUME_RETRIES_SQL, { runId: p.runId, now });
    const resumed = c.get<RunRow>(RESUME_RUN_SQL, { runId: p.runId, now })!;
    wakeRunMessage(c, p.runId, now);
    return { outcome: "done", run: toRun(resumed), queueId: message.queue_id };
  });
}

const FORK_MESSAGE_SQL = `INSERT INTO pgqrs_messages (queue_id, payload, read_ct, enqueued_at, vt)
VALUES (@queueId, @payload, 0, @now, @now) RETURNING id`;

const FORK_RUN_SQL = `INSERT INTO pgqrs_workflow_runs
  (workflow_id, message_id, status, input, created_at, updated_at, forked_from_run_id, version)
VALUES (@workflowId, @messageId, 'QUEUED', @payload, @now, @now, @runId,
        (SELECT version FROM pgqrs_workflow_runs WHERE id = @runId))
RETURNING *`;

/* Creation order is id order on SQLite (as listSteps reads it); the copies keep it. */
const FORK_STEPS_SQL = `INSERT INTO pgqrs_workflow_steps
  (run_id, step_name, status, kind, input, output, started_at, completed_at, retry_count, created_at, updated_at)
SELECT @forkId, step_name, 'SUCCESS', kind, input, output, @now, @now, retry_count, @now, @now
  FROM pgqrs_workflow_steps
 WHERE run_id = @runId AND status = 'SUCCESS' AND id < @fromId
 ORDER BY id`;

export function forkRun(c: SqliteConnection, p: ForkRunParams): ForkRunResult {
  const now = encodeTime(p.now);
  return c.immediate((): ForkRunResult => {
    const run = runRow(c, p.runId);
    const message = run === undefined ? undefined : messageOf(c, run);
    if (run === undefined || message === undefined) return { outcome: "not-found" };
    const from = c.get<{ id: number }>(
      "SELECT id FROM pgqrs_workflow_steps WHERE run_id = ? AND step_name = ?",
      p.runId,
      p.fromStep,
    );
    if (from === undefined) return { outcome: "no-step", run: toRun(run) };
    const payload = run.input ?? "null";
    const inserted = c.get<{ id: number }>(FORK_MESSAGE_SQL, { queueId: message.queue_id, payload, now })!;
    const fork = c.get<RunRow>(FORK_RUN_SQL, {
      workflowId: run.workflow_id,
      messageId: inserted.id,
      payload,
      now,
      runId: p.runId,
    })!;
    const copied = c.run(FORK_STEPS_SQL, { forkId: fork.id, now, runId: p.runId, fromId: from.id });
    return { outcome: "done", run: toRun(fork), queueId: message.queue_id, copied };
  });
}
