/**
 * The workflow primitives on PostgreSQL (store/run-primitives.ts): operation rows, suspension and wake-ups, and
 * cancellation of a run tree. Messages and events are in postgres-run-messages.ts, triggers in
 * postgres-run-triggers.ts.
 */
import type { WorkflowStatus } from "../../types.js";
import type { RunPrimitiveOps, WakeCondition } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { createRunEventOps } from "./postgres-run-events.js";
import { createRunMessageOps } from "./postgres-run-messages.js";
import { createRunRecvOps } from "./postgres-run-recv.js";
import { createRunTriggerOps } from "./postgres-run-triggers.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { cols, toRun, toStep } from "./postgres-rows.js";

const TERMINAL = ["SUCCESS", "ERROR", "CANCELLED"];

/** The arrays `suspendRun`'s wake check takes: topics, child run ids, event (run id, key) pairs. */
function wakeArrays(conds: readonly WakeCondition[]): [string[], number[], number[], string[]] {
  const topics: string[] = [];
  const children: number[] = [];
  const eventRuns: number[] = [];
  const eventKeys: string[] = [];
  for (const c of conds) {
    if (c.kind === "message") topics.push(c.topic);
    else if (c.kind === "child") children.push(c.childRunId);
    else {
      eventRuns.push(c.runId);
      eventKeys.push(c.key);
    }
  }
  return [topics, children, eventRuns, eventKeys];
}

export function createRunPrimitiveOps(conn: PostgresConnection): RunPrimitiveOps {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const wmessages = conn.t("pgqrs_workflow_messages");
  const events = conn.t("pgqrs_workflow_events");
  const statusType = `${conn.q}.pgqrs_workflow_status`;

  // First sight only: an existing row is returned as it is. ON CONFLICT DO NOTHING waits for a concurrent insert
  // of the same row; one committed after this statement's snapshot is read again by the caller.
  const beginSql = `
    WITH run AS (SELECT status::text AS st FROM ${runs} WHERE id = $1),
    ins AS (
      INSERT INTO ${steps} (run_id, step_name, status, kind, input, started_at, retry_count, created_at, updated_at)
      SELECT $1, $2, 'RUNNING', $3, $4::jsonb, $5, 0, $5, $5 FROM run
      ON CONFLICT (run_id, step_name) DO NOTHING
      RETURNING ${cols.step()})
    SELECT (SELECT st FROM run) AS run_status, ${cols.step()} FROM ins
    UNION ALL
    SELECT (SELECT st FROM run), ${cols.step()} FROM ${steps}
     WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND NOT EXISTS (SELECT 1 FROM ins)`;

  const getStepSql = `SELECT ${cols.step()} FROM ${steps} WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2`;

  const finishSql = `
    WITH u AS (
      UPDATE ${steps} SET status = 'SUCCESS', output = $3::jsonb, completed_at = $4, updated_at = $4, retry_at = NULL
       WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND status OPERATOR(pg_catalog.<>) 'SUCCESS'
      RETURNING ${cols.step()})
    SELECT ${cols.step()} FROM u
    UNION ALL
    SELECT ${cols.step()} FROM ${steps}
     WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND NOT EXISTS (SELECT 1 FROM u)`;

  // The suspension's first statement: both rows locked (NO KEY UPDATE, as the claim locks messages, so foreign-key
  // checks of inserts referencing them are not blocked). Every waker updates the message row, so it waits here.
  const suspendLockSql = `
    SELECT ${cols.run("r")}, m.consumer_worker_id AS holder, m.archived_at AS message_archived_at
      FROM ${runs} r JOIN ${messages} m ON m.id = $2
     WHERE r.id = $1 AND r.message_id = m.id
       FOR NO KEY UPDATE OF r, m`;

  // The second statement, whose snapshot is taken after the locks: it sees every waker that committed before the
  // lock was granted; a waker still to come waits for this transaction and then finds the message released.
  const suspendWriteSql = `
    WITH cond AS MATERIALIZED (
      SELECT EXISTS (SELECT 1 FROM ${wmessages}
                      WHERE run_id = $1 AND consumed_at IS NULL AND topic OPERATOR(pg_catalog.=) ANY ($7::text[]))
          OR EXISTS (SELECT 1 FROM ${runs} WHERE id = ANY ($8::bigint[]) AND status::text IN ('SUCCESS', 'ERROR', 'CANCELLED'))
          OR EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest($9::bigint[]), pg_catalog.unnest($10::text[])) AS k(run_id, key)
                       JOIN ${events} e ON e.run_id = k.run_id AND e.key OPERATOR(pg_catalog.=) k.key) AS woken),
    r AS (
      UPDATE ${runs} SET status = 'PAUSED', paused_at = $4, updated_at = $4, waiting_for = $5::jsonb
       WHERE id = $1
      RETURNING ${cols.run()}),
    m AS (
      UPDATE ${messages}
         SET consumer_worker_id = NULL, read_ct = GREATEST(read_ct - 1, 0),
             vt = CASE WHEN (SELECT woken FROM cond) THEN $4 ELSE $6 END
       WHERE id = $2 AND consumer_worker_id = $3 AND archived_at IS NULL
      RETURNING id)
    SELECT r.*, (SELECT woken FROM cond) AS woken, (SELECT pg_catalog.count(*) FROM m) AS released FROM r`;

  const wakeSql = `
    WITH ${wakeRunsCte(conn, { name: "w", now: "$2", runIds: "$1::bigint", mode: "scalar" })}
    SELECT (SELECT pg_catalog.count(*) FROM w) AS woken, ${notifyWoken(conn, "w", "notified")}`;

  // The runs first (every one of the tree locked before any message, the order a child's end takes them in too),
  // then their messages in a second statement.
  const cancelTreeSql = `
    WITH RECURSIVE tree AS (
      SELECT id FROM ${runs} WHERE id = $1
      UNION
      SELECT c.id FROM ${runs} c JOIN tree t ON c.parent_run_id = t.id),
    u AS (
      UPDATE ${runs} r SET status = 'CANCELLING', updated_at = $2, waiting_for = NULL
        FROM tree
       WHERE r.id = tree.id AND r.status OPERATOR(pg_catalog.=) ANY ('{QUEUED,RUNNING,PAUSED}'::${statusType}[])
      RETURNING r.id)
    SELECT pg_catalog.array_agg(id) AS ids FROM u`;

  const wakeManySql = `
    WITH ${wakeRunsCte(conn, { name: "w", now: "$2", runIds: "$1::bigint[]", mode: "array" })}
    SELECT ${notifyWoken(conn, "w", "notified")}`;

  return {
    ...createRunMessageOps(conn),
    ...createRunRecvOps(conn),
    ...createRunEventOps(conn),
    ...createRunTriggerOps(conn),

    async beginRunOp(p) {
      const [row] = await conn.prepared("begin_run_op", beginSql, [p.runId, p.name, p.kind, p.input, p.now]);
      if (row !== undefined) {
        return { runStatus: (row.run_status as WorkflowStatus | null) ?? null, step: toStep(row) };
      }
      // No row: the run is missing, or a concurrent insert committed after this statement's snapshot.
      const [run] = await conn.prepared(
        "run_op_run_status",
        `SELECT status::text AS status FROM ${runs} WHERE id = $1`,
        [p.runId],
      );
      if (run === undefined) return { runStatus: null, step: null };
      const [step] = await conn.prepared("run_op_by_key", getStepSql, [p.runId, p.name]);
      return { runStatus: run.status as WorkflowStatus, step: step === undefined ? null : toStep(step) };
    },

    async finishRunOp(p) {
      const [row] = await conn.prepared("finish_run_op", finishSql, [p.runId, p.name, p.output, p.now]);
      if (row === undefined) return null;
      const step = toStep(row);
      if (step.status === "SUCCESS") return step;
      // A concurrent finish committed after this statement's snapshot (the update's re-check skipped the row).
      const [latest] = await conn.prepared("run_op_by_key", getStepSql, [p.runId, p.name]);
      return latest === undefined ? null : toStep(latest);
    },

    async suspendRun(p) {
      return conn.transaction("suspendRun", async (tx) => {
        const [locked] = await tx.prepared("suspend_run_lock", suspendLockSql, [p.runId, p.messageId]);
        const lost = { outcome: "lost" as const, woken: false, run: null };
        if (locked === undefined) return lost;
        const run = toRun(locked);
        if (run.status === "CANCELLING") return { outcome: "cancelling" as const, woken: false, run };
        if (TERMINAL.includes(run.status)) return lost;
        if (locked.holder === null || Number(locked.holder) !== p.workerId) return lost;
        if (locked.message_archived_at !== null && locked.message_archived_at !== undefined) return lost;
        const [row] = await tx.prepared("suspend_run_write", suspendWriteSql, [
          p.runId,
          p.messageId,
          p.workerId,
          p.now,
          p.waitingFor,
          p.until,
          ...wakeArrays(p.wakeIf),
        ]);
        if (row === undefined) return lost;
        return { outcome: "paused" as const, woken: row.woken === true, run: toRun(row) };
      });
    },

    async wakeRun(p) {
      const [row] = await conn.prepared("wake_run", wakeSql, [p.runId, p.now]);
      return Number(row?.woken ?? 0) > 0;
    },

    async cancelRunTree(p) {
      return conn.transaction("cancelRunTree", async (tx) => {
        const [row] = await tx.query("cancelRunTree", cancelTreeSql, [p.runId, p.now]);
        const ids = (row?.ids ?? []) as number[];
        if (ids.length > 0) await tx.query("cancelRunTree", wakeManySql, [ids.map(Number), p.now]);
        const [root] = await tx.query("cancelRunTree", `SELECT ${cols.run()} FROM ${runs} WHERE id = $1`, [p.runId]);
        return root === undefined ? null : toRun(root);
      });
    },

    async listChildRuns({ runId }) {
      const rows = await conn.query(
        "listChildRuns",
        `SELECT ${cols.run()} FROM ${runs} WHERE parent_run_id = $1 ORDER BY created_at, id`,
        [runId],
      );
      return rows.map(toRun);
    },
  };
}
