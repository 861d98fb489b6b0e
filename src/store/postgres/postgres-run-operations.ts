/**
 * Operator actions on runs on PostgreSQL (store/run-operations.ts): retry and resume here, fork in
 * postgres-run-fork.ts. Each is one transaction that locks what it decides on first: the run's trigger message,
 * then the run (the order a claim takes them in, so a claim racing the action never deadlocks with it; a deadlock
 * with another order is retried by `transaction`). A refusal rolls back having written nothing.
 */
import type { RunRecord } from "../../types.js";
import type { RunActionResult, RunOperationOps } from "../run-operations.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { createRunForkOps } from "./postgres-run-fork.js";
import { cols, toRun } from "./postgres-rows.js";

/** The run and its message as locked, before any write. */
interface Locked {
  run: RunRecord;
  queueId: number;
  holder: number | null;
  archived: boolean;
}

export function createRunOperationOps(conn: PostgresConnection): RunOperationOps {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const channel = enqueueChannel(conn.schema);

  // The message by primary key (its id read from the run without a lock), then the run.
  const lockMessageSql = `
    SELECT m.id, m.queue_id, m.consumer_worker_id, m.archived_at FROM ${messages} m
     WHERE m.id = (SELECT message_id FROM ${runs} WHERE id = $1)
       FOR NO KEY UPDATE OF m`;
  const lockRunSql = `SELECT ${cols.run()} FROM ${runs} WHERE id = $1 FOR NO KEY UPDATE`;

  async function lock(tx: Queryable, runId: number): Promise<Locked | null> {
    const [m] = await tx.query("lockRunForAction", lockMessageSql, [runId]);
    const [r] = await tx.query("lockRunForAction", lockRunSql, [runId]);
    if (r === undefined || m === undefined) return null;
    return {
      run: toRun(r),
      queueId: Number(m.queue_id),
      holder: m.consumer_worker_id === null ? null : Number(m.consumer_worker_id),
      archived: m.archived_at !== null,
    };
  }

  // Retry: the message back as a fresh enqueue would leave it, failed steps due now with a fresh budget, the run
  // QUEUED, and the queue's consumers notified (as an enqueue, without origin: this store's loops hear it too).
  const retrySql = `
    WITH m AS (
      UPDATE ${messages}
         SET archived_at = NULL, dead_lettered_at = NULL, read_ct = 0, vt = $2, enqueued_at = $2,
             consumer_worker_id = NULL, dequeued_at = NULL
       WHERE id = $3
      RETURNING queue_id),
    s AS (
      UPDATE ${steps} SET retry_count = 0, retry_at = $2, updated_at = $2
       WHERE run_id = $1 AND status OPERATOR(pg_catalog.=) 'ERROR'
      RETURNING 1),
    r AS (
      UPDATE ${runs}
         SET status = 'QUEUED', output = NULL, error = NULL, completed_at = NULL, waiting_for = NULL, updated_at = $2
       WHERE id = $1
      RETURNING ${cols.run()})
    SELECT r.*, (SELECT pg_catalog.count(*) FROM s) AS steps_reset,
           (SELECT pg_catalog.pg_notify('${channel}', m.queue_id::text) FROM m) AS notified
      FROM r`;

  // A RUNNING run waits for a retry when no consumer holds its message and a failed step's retry is still to come.
  const retryWaitSql = `
    SELECT EXISTS (SELECT 1 FROM ${steps}
                    WHERE run_id = $1 AND status OPERATOR(pg_catalog.=) 'ERROR' AND retry_at > $2) AS waiting`;

  // Resume: sleeps over now, retries and pauses due now, the wait's deadline now, the message visible now unless
  // held (the wake every waker does), and the queue notified.
  const resumeSql = `
    WITH sl AS (
      UPDATE ${steps}
         SET status = 'SUCCESS', output = pg_catalog.jsonb_build_object('until', $3::text, 'resumed', TRUE),
             completed_at = $2, updated_at = $2, retry_at = NULL
       WHERE run_id = $1 AND kind OPERATOR(pg_catalog.=) 'sleep' AND status OPERATOR(pg_catalog.=) 'RUNNING'
      RETURNING 1),
    rt AS (
      UPDATE ${steps} SET retry_at = $2, updated_at = $2
       WHERE run_id = $1 AND status OPERATOR(pg_catalog.=) 'ERROR' AND retry_at > $2
      RETURNING 1),
    r AS (
      UPDATE ${runs}
         SET updated_at = $2,
             waiting_for = CASE
               WHEN (waiting_for OPERATOR(pg_catalog.->>) 'kind') OPERATOR(pg_catalog.=) ANY ('{sleep,retry,pause}'::text[])
               THEN waiting_for OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('until', $3::text)
               ELSE waiting_for END
       WHERE id = $1
      RETURNING ${cols.run()}),
    ${wakeRunsCte(conn, { name: "w", now: "$2", runIds: "$1::bigint", mode: "scalar" })}
    SELECT r.*, (SELECT pg_catalog.count(*) FROM sl) AS sleeps, (SELECT pg_catalog.count(*) FROM rt) AS retries,
           ${notifyWoken(conn, "w", "notified")}
      FROM r`;

  return {
    async retryRun(p): Promise<RunActionResult> {
      return conn.transaction("retryRun", async (tx): Promise<RunActionResult> => {
        const found = await lock(tx, p.runId);
        if (found === null) return { outcome: "not-found" };
        if (found.run.status !== "ERROR" && found.run.status !== "CANCELLED") {
          return { outcome: "refused", run: found.run };
        }
        const [row] = await tx.query("retryRun", retrySql, [p.runId, p.now, found.run.messageId]);
        if (row === undefined) return { outcome: "not-found" };
        return { outcome: "done", run: toRun(row), queueId: found.queueId };
      });
    },

    async resumeRun(p): Promise<RunActionResult> {
      return conn.transaction("resumeRun", async (tx): Promise<RunActionResult> => {
        const found = await lock(tx, p.runId);
        if (found === null) return { outcome: "not-found" };
        if (!(await resumable(tx, found, p.runId, p.now))) return { outcome: "refused", run: found.run };
        const [row] = await tx.query("resumeRun", resumeSql, [p.runId, p.now, p.now.toISOString()]);
        if (row === undefined) return { outcome: "not-found" };
        return { outcome: "done", run: toRun(row), queueId: found.queueId };
      });
    },

    ...createRunForkOps(conn),
  };

  async function resumable(tx: Queryable, found: Locked, runId: number, now: Date): Promise<boolean> {
    if (found.run.status === "PAUSED") return true;
    if (found.run.status !== "RUNNING" || found.holder !== null || found.archived) return false;
    const [row] = await tx.query("resumeRun", retryWaitSql, [runId, now]);
    return row?.waiting === true;
  }
}
