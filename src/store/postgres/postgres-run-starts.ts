/**
 * Starting workflow runs on PostgreSQL: creating a message's run and starting it; composed with a workflow worker's
 * claim that starts the runs of the messages it takes (postgres-run-claims.ts) and a trigger handed straight to an
 * idle worker with its run started (postgres-run-handoff.ts), and the give-back of such starts when their messages go
 * back unrun (postgres-run-unstart.ts).
 */
import { PgqrsError } from "../../errors.js";
import { createWorkflowHint } from "../../workflow-not-created.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { asyncCommit } from "./postgres-message-leases.js";
import { cols, countOf, toRun } from "./postgres-rows.js";
import { createRunClaimOps } from "./postgres-run-claims.js";
import { createRunHandoffOps } from "./postgres-run-handoff.js";
import { startRunsUpsert } from "./postgres-run-start-upsert.js";
import { createRunUnstartOps } from "./postgres-run-unstart.js";

export type RunStartOps = Pick<
  StoreBackend,
  "getOrCreateRun" | "startRun" | "dequeueAndStartRuns" | "enqueueAndStartRun" | "unstartRuns"
>;

/**
 * `origin`: the tag appended to this store's enqueue notifications (see `notifyOrigin`); `runByMessage`: the run
 * of a message, or `null`.
 */
export function createRunStartOps(
  conn: PostgresConnection,
  origin: string,
  runByMessage: StoreBackend["getRunByMessageId"],
): RunStartOps {
  const queues = conn.t("pgqrs_queues");
  const messages = conn.t("pgqrs_messages");
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");

  // The unique message_id makes concurrent creators of one run converge on a single row.
  const createRunSql = `
    WITH ins AS (
      INSERT INTO ${runs} (workflow_id, message_id, status, input, created_at, updated_at, version)
      SELECT w.id, m.id, 'QUEUED', m.payload, $2, $2, (m.payload OPERATOR(pg_catalog.->>) 'version')
        FROM ${messages} m JOIN ${workflows} w ON w.queue_id = m.queue_id
       WHERE m.id = $1
       ORDER BY w.id
       LIMIT 1
      ON CONFLICT (message_id) DO NOTHING
      RETURNING ${cols.run()})
    SELECT ${cols.run()} FROM ins
    UNION ALL SELECT ${cols.run()} FROM ${runs} WHERE message_id = $1
    LIMIT 1`;

  // A run's start: its message's run created or started as a worker's claim does (postgres-run-start-upsert.ts).
  const startRunsOf = startRunsUpsert(conn);
  const startRunSql = `
    WITH ${asyncCommit},
    c AS (SELECT id, queue_id, payload, consumer_worker_id FROM ${messages} CROSS JOIN sc WHERE id = $1),
    ${startRunsOf}
    SELECT ${cols.run()} FROM rr LIMIT 1`;

  const ops: RunStartOps = {
    ...createRunClaimOps(conn),
    ...createRunHandoffOps(conn, origin),
    ...createRunUnstartOps(conn),

    async getOrCreateRun({ message, now }) {
      const rows = await conn.prepared("get_or_create_run", createRunSql, [message.id, now]);
      if (rows[0] !== undefined) return toRun(rows[0]);
      // Nothing inserted or found: a concurrent creator committed after our snapshot, or there is nothing to create.
      const raced = await runByMessage(message.id);
      if (raced !== null) return raced;
      const why = await conn.query(
        "getOrCreateRun",
        `SELECT (SELECT queue_name FROM ${queues} WHERE id = $1) AS queue_name,
                (SELECT pg_catalog.count(*) FROM ${messages} WHERE id = $2) AS messages`,
        [message.queueId, message.id],
      );
      if (countOf(why, "messages") === 0) {
        throw new PgqrsError("MESSAGE_NOT_FOUND", `Message with id '${message.id}' not found`, {
          details: { messageId: message.id },
        });
      }
      const name = why[0]?.queue_name;
      const queueName = typeof name === "string" ? name : `#${message.queueId}`;
      throw new PgqrsError(
        "WORKFLOW_NOT_FOUND",
        `No workflow is defined for queue '${queueName}' (message ${message.id}). ${createWorkflowHint(queueName)}`,
        { details: { queueId: message.queueId, queueName, messageId: message.id } },
      );
    },

    async startRun(p) {
      const rows = await conn.prepared("start_run", startRunSql, [p.message.id, p.now]);
      if (rows[0] !== undefined) return toRun(rows[0]);
      // Nothing to start: a missing message or workflow (getOrCreateRun says which), or a creation racing ours.
      return ops.getOrCreateRun(p);
    },
  };
  return ops;
}
