/** `recv` as one step operation of a run: take the oldest unconsumed message of a topic, or wait for one. */
import type { WorkflowStatus } from "../../types.js";
import type { RunPrimitiveOps } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { asyncCommit } from "./postgres-message-leases.js";
import { cols, primitiveCols, toRunMessage, toStep } from "./postgres-rows.js";

export type RunRecvOps = Pick<RunPrimitiveOps, "recvRunOp">;

export function createRunRecvOps(conn: PostgresConnection): RunRecvOps {
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const wmessages = conn.t("pgqrs_workflow_messages");
  const statusType = `${conn.q}.pgqrs_workflow_status`;

  // `recv` in one statement: the operation's row is looked at, and unless it is done already, of another kind, or the
  // run is being cancelled, the oldest unconsumed message is taken and the row written with it (SUCCESS), or
  // created RUNNING with its input on first sight when there is nothing to take. Committed asynchronously, as the
  // claim is: a consumption lost in a crash leaves the same message first in line for the replay, and any later
  // synchronous commit (the next step's output) makes it durable.
  const recvOpSql = `
    WITH ${asyncCommit},
    run AS (SELECT status::text AS st FROM ${runs} CROSS JOIN sc WHERE id = $1),
    old AS (SELECT ${cols.step()} FROM ${steps} WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2),
    ok AS (
      SELECT 1 AS go FROM run
       WHERE run.st NOT IN ('CANCELLING', 'CANCELLED')
         AND NOT EXISTS (
           SELECT 1 FROM old
            WHERE old.status::text = 'SUCCESS' OR old.kind OPERATOR(pg_catalog.<>) 'recv'
               OR (old.input OPERATOR(pg_catalog.->>) 'topic') IS DISTINCT FROM $3::text)),
    pick AS (
      SELECT id FROM ${wmessages}
       WHERE run_id = $1 AND topic OPERATOR(pg_catalog.=) $3 AND consumed_at IS NULL AND EXISTS (SELECT 1 FROM ok)
       ORDER BY id LIMIT 1
       FOR UPDATE SKIP LOCKED),
    c AS (
      UPDATE ${wmessages} m SET consumed_at = $5, consumed_by_step = $2
       WHERE m.id = (SELECT id FROM pick) AND m.consumed_at IS NULL
      RETURNING ${primitiveCols.runMessage("m")}),
    s AS (
      INSERT INTO ${steps} AS st (run_id, step_name, status, kind, input, output, started_at, completed_at,
                                  retry_count, created_at, updated_at)
      SELECT $1, $2, CASE WHEN c.id IS NULL THEN 'RUNNING' ELSE 'SUCCESS' END::${statusType}, 'recv', $4::jsonb,
             CASE WHEN c.id IS NULL THEN NULL ELSE pg_catalog.jsonb_build_object('messageId', c.id, 'payload', c.payload) END,
             $5, CASE WHEN c.id IS NULL THEN NULL ELSE $5::timestamptz END, 0, $5, $5
        FROM ok LEFT JOIN c ON TRUE
      ON CONFLICT (run_id, step_name) DO UPDATE
         SET status = 'SUCCESS', output = EXCLUDED.output, completed_at = $5, updated_at = $5, retry_at = NULL
       WHERE EXCLUDED.output IS NOT NULL
      RETURNING ${cols.step("st")})
    SELECT (SELECT st FROM run) AS run_status, s.*, ${primitiveCols
      .runMessage("c")
      .split(", ")
      .map((col) => `${col} AS msg__${col.slice(2)}`)
      .join(", ")}
      FROM (SELECT 1) one LEFT JOIN s ON TRUE LEFT JOIN c ON TRUE
    UNION ALL
    SELECT (SELECT st FROM run), old.*, ${primitiveCols
      .runMessage()
      .split(", ")
      .map(() => "NULL")
      .join(", ")}
      FROM old WHERE NOT EXISTS (SELECT 1 FROM s)`;

  return {
    async recvRunOp(p) {
      const rows = await conn.prepared("recv_run_op", recvOpSql, [p.runId, p.stepName, p.topic, p.input, p.now]);
      // The first row is the statement's own (the step it wrote, if any); a second one is the existing row.
      const row = rows.find((r) => r.id !== null && r.id !== undefined) ?? rows[0];
      const runStatus = (rows[0]?.run_status as WorkflowStatus | null | undefined) ?? null;
      if (runStatus === null || row === undefined || row.id === null || row.id === undefined) {
        return { runStatus, step: null, message: null };
      }
      const message =
        row.msg__id === null || row.msg__id === undefined
          ? null
          : toRunMessage(
              Object.fromEntries(
                Object.entries(row)
                  .filter(([k]) => k.startsWith("msg__"))
                  .map(([k, v]) => [k.slice(5), v]),
              ),
            );
      return { runStatus, step: toStep(row), message };
    },
  };
}
