/** Messages to a run (`pgqrs_workflow_messages`) and events of a run (`pgqrs_workflow_events`). */
import { InvalidStateTransitionError, PgqrsError } from "../../errors.js";
import type { RunPrimitiveOps } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import type { WorkflowStatus } from "../../types.js";
import { asyncCommit } from "./postgres-message-leases.js";
import { cols, primitiveCols, toRunEvent, toRunMessage, toStep } from "./postgres-rows.js";

export type RunMessageOps = Pick<
  RunPrimitiveOps,
  | "sendRunMessage"
  | "receiveRunMessage"
  | "recvRunOp"
  | "listRunMessages"
  | "setRunEvent"
  | "getRunEvent"
  | "listRunEvents"
>;

/** Runs in these statuses take no more messages. */
const FINISHED = "('SUCCESS', 'ERROR', 'CANCELLING', 'CANCELLED')";

export function runNotFound(runId: number): PgqrsError {
  return new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${runId}' not found`, { details: { runId } });
}

export function createRunMessageOps(conn: PostgresConnection): RunMessageOps {
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const wmessages = conn.t("pgqrs_workflow_messages");
  const events = conn.t("pgqrs_workflow_events");
  const mcols = primitiveCols.runMessage();
  const ecols = primitiveCols.runEvent();
  const statusType = `${conn.q}.pgqrs_workflow_status`;

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

  // Waiters of an event are the run itself and its parent (a run can wait on a child's event): whichever of them
  // is PAUSED waiting for an event is woken, and its suspension's check then finds the event set.
  // (`status::text`: the two ids are the way in, never the status index.)
  const setEventSql = `
    WITH run AS (SELECT id, parent_run_id FROM ${runs} WHERE id = $1),
    up AS (
      INSERT INTO ${events} AS e (run_id, key, value, created_at, updated_at)
      SELECT run.id, $2, $3::jsonb, $4, $4 FROM run
      ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
      RETURNING ${primitiveCols.runEvent("e")}),
    ${wakeRunsCte(conn, {
      name: "w",
      now: "$4",
      runIds: "(SELECT ARRAY[run.id, run.parent_run_id] FROM run WHERE EXISTS (SELECT 1 FROM up))::bigint[]",
      mode: "array",
      runFilter: `wr.status::text = 'PAUSED' AND (wr.waiting_for OPERATOR(pg_catalog.->>) 'kind') = 'event'`,
    })}
    SELECT up.*, ${notifyWoken(conn, "w", "notified")} FROM up`;

  const getEventSql = `
    SELECT EXISTS (SELECT 1 FROM ${runs} WHERE id = $1) AS run_exists, ${primitiveCols.runEvent("e")}
      FROM (SELECT 1) one LEFT JOIN ${events} e ON e.run_id = $1 AND e.key OPERATOR(pg_catalog.=) $2`;

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

    async listRunMessages({ runId }) {
      const rows = await conn.query(
        "listRunMessages",
        `SELECT ${mcols} FROM ${wmessages} WHERE run_id = $1 ORDER BY id`,
        [runId],
      );
      return rows.map(toRunMessage);
    },

    async setRunEvent(p) {
      const [row] = await conn.prepared("set_run_event", setEventSql, [p.runId, p.key, p.value, p.now]);
      if (row === undefined) throw runNotFound(p.runId);
      return toRunEvent(row);
    },

    async getRunEvent(p) {
      const [row] = await conn.prepared("get_run_event", getEventSql, [p.runId, p.key]);
      const event = row === undefined || row.run_id === null || row.run_id === undefined ? null : toRunEvent(row);
      return { runExists: row?.run_exists === true, event };
    },

    async listRunEvents({ runId }) {
      const rows = await conn.query("listRunEvents", `SELECT ${ecols} FROM ${events} WHERE run_id = $1 ORDER BY key`, [
        runId,
      ]);
      return rows.map(toRunEvent);
    },
  };
}
