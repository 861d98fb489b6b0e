/**
 * Starting workflow runs on PostgreSQL: creating a message's run, starting it, a workflow worker's claim that
 * starts the runs of the messages it takes, and a trigger handed straight to an idle worker with its run started.
 */
import { PgqrsError, ValidationError } from "../../errors.js";
import { createWorkflowHint } from "../../workflow-not-created.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { leasedInsertMessage, leasedInsertSql, leasedInsertValues } from "./postgres-leased-insert.js";
import { claimedColumns, toClaimedMessage } from "./postgres-claimed-rows.js";
import { asyncCommit, claimLimited, claimUpdate } from "./postgres-message-leases.js";
import { byClaimOrder, cols, countOf, prefixedRun, prefixedRunColumns, toMessage, toRun } from "./postgres-rows.js";

export type RunStartOps = Pick<
  StoreBackend,
  "getOrCreateRun" | "startRun" | "dequeueAndStartRuns" | "enqueueAndStartRun"
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
  const originSuffix = origin === "" ? "" : `@${origin}`;
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

  // Create-or-start the runs of the messages in CTE `c` (id, queue_id, payload, consumer_worker_id) at `$2`; a run
  // in any status but QUEUED/PAUSED/RUNNING is left alone, and `rr` returns it as this statement's snapshot shows
  // it. Each start records the message's consumer as the run's worker and counts an attempt; a RUNNING run is
  // started again only by a new delivery of its message (its last one crashed, lost its lease or was released).
  // The write is redoable (a lost start only means the next delivery starts the run again), so both statements
  // using it commit asynchronously: no WAL flush wait of their own. WAL is written in order, so any later
  // synchronous commit (a step's output, the run's outcome, the message's archive) makes it durable too.
  const startRunsOf = `
    up AS (
      INSERT INTO ${runs} AS r (workflow_id, message_id, status, input, created_at, updated_at, started_at,
                                worker_id, attempts, version)
      SELECT DISTINCT ON (c.id) w.id, c.id, 'RUNNING', c.payload, $2, $2, $2, c.consumer_worker_id, 1,
             (c.payload OPERATOR(pg_catalog.->>) 'version')
        FROM c JOIN ${workflows} w ON w.queue_id = c.queue_id
       ORDER BY c.id, w.id
      ON CONFLICT (message_id) DO UPDATE
         SET status = 'RUNNING', updated_at = $2, started_at = COALESCE(r.started_at, $2), waiting_for = NULL,
             worker_id = COALESCE(excluded.worker_id, r.worker_id), attempts = r.attempts + 1
       WHERE r.status OPERATOR(pg_catalog.=) ANY ('{QUEUED,PAUSED,RUNNING}')
      RETURNING ${cols.run("r")}),
    rr AS (
      SELECT ${cols.run()} FROM up
      UNION ALL
      SELECT ${cols.run()} FROM ${runs}
       WHERE message_id IN (SELECT id FROM c) AND message_id NOT IN (SELECT message_id FROM up))`;

  const startRunSql = `
    WITH ${asyncCommit},
    c AS (SELECT id, queue_id, payload, consumer_worker_id FROM ${messages} CROSS JOIN sc WHERE id = $1),
    ${startRunsOf}
    SELECT ${cols.run()} FROM rr LIMIT 1`;

  // A workflow worker's claim: the messages and their runs, created or started as `startRunSql` does, in one
  // statement. The claim returns only what it did not write (see postgres-claimed-rows.ts); `c` adds the queue and
  // the consumer, its own parameters, for the runs' insert.
  const dequeueAndStartRunsOf = (filter: string) => `
    WITH ${asyncCommit},
    cu AS (${claimUpdate(conn, filter)}),
    c AS (SELECT cu.*, $1::bigint AS queue_id, $6::bigint AS consumer_worker_id FROM cu),
    ${startRunsOf}
    SELECT ${claimedColumns("c")}, ${prefixedRunColumns("rr", "run__")}
      FROM c LEFT JOIN rr ON rr.message_id = c.id`;
  const dequeueAndStartRunsSql = dequeueAndStartRunsOf("");
  // A versioned worker's claim ($7: its versions): messages of another version are never claimed, so never
  // counted as a delivery; they wait for a worker of theirs. Unversioned workers keep the statement above.
  const dequeueVersionedSql = dequeueAndStartRunsOf(
    ` AND ((payload OPERATOR(pg_catalog.->>) 'version') IS NULL
                     OR (payload OPERATOR(pg_catalog.->>) 'version') OPERATOR(pg_catalog.=) ANY ($7::text[]))`,
  );

  // A queue with limits: the claim function instead of the claim update ($7: the versions, or NULL for any).
  const dequeueLimitedRunsSql = `
    WITH ${asyncCommit},
    c AS (SELECT ${cols.message("l")} FROM sc, ${claimLimited(conn, "$7::text[]", "NULL::bigint[]")} l),
    ${startRunsOf}
    SELECT ${cols.message("c")}, ${prefixedRunColumns("rr", "run__")}
      FROM c LEFT JOIN rr ON rr.message_id = c.id`;

  // A trigger handed straight to an idle worker of this store: the message inserted leased to it and its run
  // created RUNNING, as the worker's claim would have left them. Like any handed-off message it notifies nobody.
  // The run's foreign key to the message is checked at the end of the statement, which sees the new message.
  // The handed-off trigger and its run, started: the run only when the message was actually leased (see
  // postgres-leased-insert.ts); otherwise it is a plain enqueue and a worker's claim creates the run.
  const enqueueAndStartRunSql = `
    WITH m AS (${leasedInsertSql(conn)}),
    r AS (
      INSERT INTO ${runs} (workflow_id, message_id, status, input, created_at, updated_at, started_at,
                           worker_id, attempts, version)
      SELECT w.id, m.id, 'RUNNING', m.payload, $7, $7, $7, m.consumer_worker_id, 1, (m.payload OPERATOR(pg_catalog.->>) 'version')
        FROM m JOIN ${workflows} w ON w.queue_id = m.queue_id
       WHERE m.consumer_worker_id IS NOT NULL
       ORDER BY w.id
       LIMIT 1
      RETURNING ${cols.run()})
    SELECT m.id AS message_id, m.consumer_worker_id AS message_consumer, ${prefixedRunColumns("r", "run__")}
      FROM m LEFT JOIN r ON TRUE`;

  const ops: RunStartOps = {
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

    async dequeueAndStartRuns(p) {
      if (p.limit <= 0) return [];
      const vt = new Date(p.now.getTime() + p.leaseMs);
      const values = [p.queueId, p.now, p.maxReadCt, p.limit, vt, p.workerId];
      const rows =
        p.limited === true
          ? await conn.prepared("dequeue_limited_runs", dequeueLimitedRunsSql, [...values, p.versions ?? null])
          : p.versions === undefined
            ? await conn.prepared("dequeue_and_start_runs", dequeueAndStartRunsSql, values)
            : await conn.prepared("dequeue_versioned_runs", dequeueVersionedSql, [...values, p.versions]);
      // The limited claim function returns whole message rows; the claim update only what it did not write.
      const wrote = { queueId: p.queueId, workerId: p.workerId, leaseEnd: vt };
      const message = p.limited === true ? toMessage : (row: Row) => toClaimedMessage(row, wrote);
      return rows
        .map((row) => ({ message: message(row), run: prefixedRun(row, "run__") }))
        .sort((a, b) => byClaimOrder(a.message, b.message));
    },

    async enqueueAndStartRun(p) {
      const payload = p.payloads[0];
      if (p.payloads.length !== 1 || payload === undefined) {
        throw new ValidationError("enqueueAndStartRun takes exactly one payload");
      }
      const [row] = await conn.prepared(
        "enqueue_and_start_run",
        enqueueAndStartRunSql,
        leasedInsertValues(p, originSuffix),
      );
      if (row === undefined) throw new PgqrsError("INTERNAL", "enqueueAndStartRun inserted no message");
      const message = leasedInsertMessage(Number(row.message_id), row.message_consumer, p);
      return { message, run: prefixedRun(row, "run__") };
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
