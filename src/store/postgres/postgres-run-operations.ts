/**
 * Operator actions on runs on PostgreSQL (store/run-operations.ts): retry and resume here, fork in
 * postgres-run-fork.ts. Each is one transaction that locks what it decides on first: the run's trigger message,
 * then the run (the order a claim takes them in, so a claim racing the action never deadlocks with it; a deadlock
 * with another order is retried by `transaction`). A refusal rolls back having written nothing. The statements are
 * in postgres-run-operation-sql.ts.
 */
import type { RunRecord } from "../../types.js";
import type { RunActionResult, RunOperationOps } from "../run-operations.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";
import { createRunForkOps } from "./postgres-run-fork.js";
import { runOperationSql } from "./postgres-run-operation-sql.js";
import { toRun } from "./postgres-rows.js";

/** The run and its message as locked, before any write. */
interface Locked {
  run: RunRecord;
  queueId: number;
  holder: number | null;
  archived: boolean;
}

export function createRunOperationOps(conn: PostgresConnection): RunOperationOps {
  const sql = runOperationSql(conn);

  async function lock(tx: Queryable, runId: number): Promise<Locked | null> {
    const [m] = await tx.query("lockRunForAction", sql.lockMessage, [runId]);
    const [r] = await tx.query("lockRunForAction", sql.lockRun, [runId]);
    if (r === undefined || m === undefined) return null;
    return {
      run: toRun(r),
      queueId: Number(m.queue_id),
      holder: m.consumer_worker_id === null ? null : Number(m.consumer_worker_id),
      archived: m.archived_at !== null,
    };
  }

  return {
    async retryRun(p): Promise<RunActionResult> {
      return conn.transaction("retryRun", async (tx): Promise<RunActionResult> => {
        const found = await lock(tx, p.runId);
        if (found === null) return { outcome: "not-found" };
        if (found.run.status !== "ERROR" && found.run.status !== "CANCELLED") {
          return { outcome: "refused", run: found.run };
        }
        const [row] = await tx.query("retryRun", sql.retry, [p.runId, p.now, found.run.messageId]);
        if (row === undefined) return { outcome: "not-found" };
        return { outcome: "done", run: toRun(row), queueId: found.queueId };
      });
    },

    async resumeRun(p): Promise<RunActionResult> {
      return conn.transaction("resumeRun", async (tx): Promise<RunActionResult> => {
        const found = await lock(tx, p.runId);
        if (found === null) return { outcome: "not-found" };
        if (!(await resumable(tx, found, p.runId, p.now))) return { outcome: "refused", run: found.run };
        const [row] = await tx.query("resumeRun", sql.resume, [p.runId, p.now, p.now.toISOString()]);
        if (row === undefined) return { outcome: "not-found" };
        return { outcome: "done", run: toRun(row), queueId: found.queueId };
      });
    },

    ...createRunForkOps(conn),
  };

  async function resumable(tx: Queryable, found: Locked, runId: number, now: Date): Promise<boolean> {
    if (found.run.status === "PAUSED") return true;
    if (found.run.status !== "RUNNING" || found.holder !== null || found.archived) return false;
    const [row] = await tx.query("resumeRun", sql.retryWait, [runId, now]);
    return row?.waiting === true;
  }
}
