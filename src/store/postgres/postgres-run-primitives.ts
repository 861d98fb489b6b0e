/**
 * The workflow primitives on PostgreSQL (store/run-primitives.ts), composed: operation rows
 * (postgres-run-op-rows.ts), suspension and wake-ups (postgres-run-suspension.ts), messages
 * (postgres-run-messages.ts, postgres-run-recv.ts), events (postgres-run-events.ts), triggers
 * (postgres-run-triggers.ts); and here, cancellation of a run tree and a run's children.
 */
import type { RunPrimitiveOps } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { createRunEventOps } from "./postgres-run-events.js";
import { createRunMessageOps } from "./postgres-run-messages.js";
import { createRunOpRowOps } from "./postgres-run-op-rows.js";
import { createRunRecvOps } from "./postgres-run-recv.js";
import { createRunSuspensionOps } from "./postgres-run-suspension.js";
import { createRunTriggerOps } from "./postgres-run-triggers.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { cols, toRun } from "./postgres-rows.js";

export function createRunPrimitiveOps(conn: PostgresConnection): RunPrimitiveOps {
  const runs = conn.t("pgqrs_workflow_runs");
  const statusType = `${conn.q}.pgqrs_workflow_status`;

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
    ...createRunOpRowOps(conn),
    ...createRunSuspensionOps(conn),

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
