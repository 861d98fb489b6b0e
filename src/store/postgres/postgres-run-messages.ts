/**
 * Messages to a run (`pgqrs_workflow_messages`): send (waking the run), receive, list. Taking one as a step
 * operation (`recv`) is in postgres-run-recv.ts, a run's events in postgres-run-events.ts.
 */
import { InvalidStateTransitionError, PgqrsError } from "../../errors.js";
import type { RunPrimitiveOps } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { primitiveCols, toRunMessage } from "./postgres-rows.js";

export type RunMessageOps = Pick<RunPrimitiveOps, "sendRunMessage" | "receiveRunMessage" | "listRunMessages">;

/** Runs in these statuses take no more messages. */
const FINISHED = "('SUCCESS', 'ERROR', 'CANCELLING', 'CANCELLED')";

export function runNotFound(runId: number): PgqrsError {
  return new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${runId}' not found`, { details: { runId } });
}

export function createRunMessageOps(conn: PostgresConnection): RunMessageOps {
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const wmessages = conn.t("pgqrs_workflow_messages");
  const mcols = primitiveCols.runMessage();

  // The insert and the wake in one statement. The wake updates the trigger message by id: if a suspension holds
  // that row, the update waits for it to commit and then finds the message released (lost-wake-up rule). The
  // run's status is read from this statement's snapshot; a run finishing concurrently may get one more message.
  const sendSql = `
    WITH run AS (SELECT id, status::text AS st FROM ${runs} WHERE id = $1),
    ins AS (
      INSERT INTO ${wmessages} (run_id, topic, payload, idempotency_key, sender_run_id, created_at)
      SELECT run.id, $2, $3::jsonb, $4, $5, $6 FROM run WHERE run.st NOT IN ${FINISHED}
      ON CONFLICT (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING ${mcols}),
    ${wakeRunsCte(conn, { name: "w", now: "$6", runIds: "(SELECT ins.run_id FROM ins)", mode: "scalar" })}
    SELECT (SELECT st FROM run) AS run_status, ins.*, ${notifyWoken(conn, "w", "notified")}
      FROM (SELECT 1) one LEFT JOIN ins ON TRUE`;

  const byKeySql = `SELECT ${mcols} FROM ${wmessages} WHERE run_id = $1 AND idempotency_key = $2`;

  // SKIP LOCKED: a concurrent receiver of the same (run, topic) passes over the row another one is taking; the
  // consumed_at re-check after the row lock drops a row consumed since this statement's snapshot. The step row is
  // completed (or created completed) with the message in the same statement.
  const receiveSql = `
    WITH pick AS (
      SELECT id FROM ${wmessages}
       WHERE run_id = $1 AND topic OPERATOR(pg_catalog.=) $2 AND consumed_at IS NULL
       ORDER BY id LIMIT 1
       FOR UPDATE SKIP LOCKED),
    c AS (
      UPDATE ${wmessages} m SET consumed_at = $4, consumed_by_step = $3
       WHERE m.id = (SELECT id FROM pick) AND m.consumed_at IS NULL
      RETURNING ${primitiveCols.runMessage("m")}),
    s AS (
      INSERT INTO ${steps} AS st (run_id, step_name, status, kind, output, started_at, completed_at, retry_count,
                                  created_at, updated_at)
      SELECT $1, $3, 'SUCCESS', 'recv',
             pg_catalog.jsonb_build_object('messageId', c.id, 'payload', c.payload),
             $4, $4, 0, $4, $4
        FROM c
      ON CONFLICT (run_id, step_name) DO UPDATE
         SET status = 'SUCCESS', output = EXCLUDED.output, completed_at = $4, updated_at = $4, retry_at = NULL
      RETURNING 1)
    SELECT c.*, (SELECT pg_catalog.count(*) FROM s) AS steps FROM c`;

  return {
    async sendRunMessage(p) {
      const [row] = await conn.prepared("send_run_message", sendSql, [
        p.runId,
        p.topic,
        p.payload,
        p.idempotencyKey,
        p.senderRunId,
        p.now,
      ]);
      const status = row?.run_status;
      if (status === null || status === undefined) throw runNotFound(p.runId);
      if (row !== undefined && row.id !== null && row.id !== undefined) {
        return { message: toRunMessage(row), created: true };
      }
      if (p.idempotencyKey !== null) {
        // The key was used already (maybe by a send committed after this statement's snapshot). A repeated send
        // gets its message back even once the run has finished: a sender replaying its `run.send` must not fail.
        const [first] = await conn.query("sendRunMessage", byKeySql, [p.runId, p.idempotencyKey]);
        if (first !== undefined) return { message: toRunMessage(first), created: false };
      }
      throw new InvalidStateTransitionError(
        String(status),
        String(status),
        `run ${p.runId} is ${String(status)} and takes no more messages`,
      );
    },

    async receiveRunMessage(p) {
      const [row] = await conn.prepared("receive_run_message", receiveSql, [p.runId, p.topic, p.stepName, p.now]);
      return row === undefined ? null : toRunMessage(row);
    },

    async listRunMessages({ runId }) {
      const rows = await conn.query(
        "listRunMessages",
        `SELECT ${mcols} FROM ${wmessages} WHERE run_id = $1 ORDER BY id`,
        [runId],
      );
      return rows.map(toRunMessage);
    },
  };
}
