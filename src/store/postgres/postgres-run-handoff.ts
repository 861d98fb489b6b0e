/**
 * A workflow trigger handed straight to an idle worker of this store on PostgreSQL: the message inserted leased to
 * it (postgres-leased-insert.ts) and its run started, in one statement.
 */
import { PgqrsError, ValidationError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { RunRecord } from "../../types.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { leasedInsertMessage, leasedInsertSql, leasedInsertValues } from "./postgres-leased-insert.js";

export type RunHandoffOps = Pick<StoreBackend, "enqueueAndStartRun">;

/** `origin`: the tag appended to this store's enqueue notifications (see `notifyOrigin`). */
export function createRunHandoffOps(conn: PostgresConnection, origin: string): RunHandoffOps {
  const originSuffix = origin === "" ? "" : `@${origin}`;
  const sql = enqueueAndStartRunSql(conn);

  return {
    async enqueueAndStartRun(p) {
      const payload = p.payloads[0];
      if (p.payloads.length !== 1 || payload === undefined) {
        throw new ValidationError("enqueueAndStartRun takes exactly one payload");
      }
      const [row] = await conn.prepared("enqueue_and_start_run", sql, leasedInsertValues(p, originSuffix));
      if (row === undefined) throw new PgqrsError("INTERNAL", "enqueueAndStartRun inserted no message");
      const message = leasedInsertMessage(Number(row.message_id), row.message_consumer, p);
      return { message, run: startedRun(row, message.id, payload, p.leaseTo.now) };
    },
  };
}

/**
 * The hand-off statement of the store on `conn`: the leased insert's parameters (postgres-leased-insert.ts), the run
 * joined to its workflow through `idx_pgqrs_workflows_queue_id` (migration 0019).
 */
export function enqueueAndStartRunSql(conn: PostgresConnection): string {
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");

  // A trigger handed straight to an idle worker of this store: the message inserted leased to it and its run
  // created RUNNING, as the worker's claim would have left them. Like any handed-off message it notifies nobody.
  // The run's foreign key to the message is checked at the end of the statement, which sees the new message.
  // The handed-off trigger and its run, started: the run only when the message was actually leased (see
  // postgres-leased-insert.ts); otherwise it is a plain enqueue and a worker's claim creates the run.
  return `
    WITH m AS (${leasedInsertSql(conn)}),
    r AS (
      INSERT INTO ${runs} (workflow_id, message_id, status, input, created_at, updated_at, started_at,
                           worker_id, attempts, version)
      SELECT w.id, m.id, 'RUNNING', m.payload, $7, $7, $7, m.consumer_worker_id, 1, (m.payload OPERATOR(pg_catalog.->>) 'version')
        FROM m JOIN ${workflows} w ON w.queue_id = m.queue_id
       WHERE m.consumer_worker_id IS NOT NULL
       ORDER BY w.id
       LIMIT 1
      RETURNING id, workflow_id, version)
    SELECT m.id AS message_id, m.consumer_worker_id AS message_consumer, r.id AS run_id,
           r.workflow_id AS run_workflow_id, r.version AS run_version
      FROM m LEFT JOIN r ON TRUE`;
}

/**
 * The run the hand-off statement created, as a re-read would return it: the database's id, workflow and version
 * (the payload's `version` as `->>` reads it), the rest what the statement wrote (RUNNING, started at the claim time
 * `now`, attempt 1, leased to the message's consumer, its input the message's payload). `null` when the message was
 * not leased, so no run was created. The statement returns five columns instead of the run's eighteen: a trigger
 * handed off is on the path every run of a busy worker takes.
 */
function startedRun(row: Row, messageId: number, payload: string, now: Date): RunRecord | null {
  if (row.run_id === null || row.run_id === undefined) return null;
  return {
    id: Number(row.run_id),
    workflowId: Number(row.run_workflow_id),
    messageId,
    status: "RUNNING",
    input: JSON.parse(payload) as unknown,
    output: null,
    error: null,
    createdAt: new Date(now.getTime()),
    updatedAt: new Date(now.getTime()),
    startedAt: new Date(now.getTime()),
    pausedAt: null,
    completedAt: null,
    workerId: Number(row.message_consumer),
    attempts: 1,
    parentRunId: null,
    forkedFromRunId: null,
    waitingFor: null,
    version: typeof row.run_version === "string" ? row.run_version : null,
  };
}
