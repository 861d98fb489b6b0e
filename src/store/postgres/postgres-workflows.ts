/** Workflow definitions and runs. */
import { PgqrsError } from "../../errors.js";
import { createWorkflowHint } from "../../workflow-not-created.js";
import type { ListRunsParams, StoreBackend, TransitionRunParams } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { leasedInsertMessage, leasedInsertSql, leasedInsertValues } from "./postgres-leased-insert.js";
import { claimedColumns, toClaimedMessage } from "./postgres-claimed-rows.js";
import { asyncCommit, claimLimited, claimUpdate } from "./postgres-message-leases.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import {
  byClaimOrder,
  cols,
  countOf,
  page,
  prefixedRun,
  prefixedRunColumns,
  toMessage,
  toRun,
  toWorkflow,
} from "./postgres-rows.js";

export type WorkflowOps = Pick<
  StoreBackend,
  | "createWorkflow"
  | "getWorkflowByName"
  | "getWorkflowById"
  | "listWorkflows"
  | "getOrCreateRun"
  | "startRun"
  | "getRun"
  | "getRunByMessageId"
  | "listRuns"
  | "countRuns"
  | "transitionRun"
  | "completeRunAndArchive"
  | "completeStepThenRunAndArchive"
  | "dequeueAndStartRuns"
  | "enqueueAndStartRun"
>;

/** An insert racing a concurrent one can see neither row in its snapshot; the next attempt (new snapshot) does. */
const UPSERT_ATTEMPTS = 3;

const TERMINAL = "('SUCCESS', 'ERROR', 'CANCELLED')";

function transitionValues(p: TransitionRunParams): unknown[] {
  return [p.id, p.from, p.to, p.now, p.output !== undefined, p.output ?? null, p.error !== undefined, p.error ?? null];
}

/** `waiting_for` of a transition, the statement's last parameter (JSON text or null). */
function waitingForValue(p: TransitionRunParams): string | null {
  return p.waitingFor ?? null;
}

function runFilter(p: Omit<ListRunsParams, "limit" | "offset">, statusType: string) {
  const values: unknown[] = [];
  const parts = ["TRUE"];
  if (p.workflowId !== undefined) {
    values.push(p.workflowId);
    parts.push(`workflow_id = $${values.length}`);
  }
  if (p.status !== undefined) {
    values.push(p.status);
    parts.push(`status OPERATOR(pg_catalog.=) $${values.length}::${statusType}`);
  }
  return { sql: parts.join(" AND "), values };
}

/** `origin`: the tag appended to this store's enqueue notifications (see `notifyOrigin`). */
export function createWorkflowOps(conn: PostgresConnection, origin = ""): WorkflowOps {
  const originSuffix = origin === "" ? "" : `@${origin}`;
  const queues = conn.t("pgqrs_queues");
  const messages = conn.t("pgqrs_messages");
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const statusType = `${conn.q}.pgqrs_workflow_status`;

  // ON CONFLICT DO NOTHING waits for a concurrent insert of the same name to commit, so a racing creator either
  // inserts or finds the other's row; the fallback SELECTs only miss a row committed after this statement's
  // snapshot, which the retry loop covers.
  const createWorkflowSql = `
    WITH nq AS (
      INSERT INTO ${queues} (queue_name, created_at) VALUES ($1, $2)
      ON CONFLICT (queue_name) DO NOTHING RETURNING id),
    q AS (SELECT id FROM nq UNION ALL SELECT id FROM ${queues} WHERE queue_name OPERATOR(pg_catalog.=) $1 LIMIT 1),
    nw AS (
      INSERT INTO ${workflows} (name, queue_id, created_at) SELECT $1, q.id, $2 FROM q
      ON CONFLICT (name) DO NOTHING RETURNING ${cols.workflow()})
    SELECT ${cols.workflow()} FROM nw
    UNION ALL SELECT ${cols.workflow()} FROM ${workflows} WHERE name OPERATOR(pg_catalog.=) $1
    LIMIT 1`;

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

  // `waitingFor`: the parameter holding `TransitionRunParams.waitingFor`, written with a transition to PAUSED (a
  // PAUSED → PAUSED transition without one keeps the old value); any other status clears the column.
  const transitionRunSet = (waitingFor: string) => `
    SET status = $3::text::${statusType},
        updated_at = $4,
        started_at = CASE WHEN $3::text = 'RUNNING' THEN COALESCE(started_at, $4) ELSE started_at END,
        paused_at = CASE WHEN $3::text = 'PAUSED' THEN $4 ELSE paused_at END,
        completed_at = CASE WHEN $3::text IN ${TERMINAL} THEN $4 ELSE completed_at END,
        output = CASE WHEN $5::boolean THEN $6::jsonb ELSE output END,
        error = CASE WHEN $7::boolean THEN $8::jsonb ELSE error END,
        waiting_for = CASE WHEN $3::text <> 'PAUSED' THEN NULL
                           WHEN ${waitingFor}::jsonb IS NOT NULL THEN ${waitingFor}::jsonb ELSE waiting_for END
    WHERE id = $1 AND status OPERATOR(pg_catalog.=) ANY($2::${statusType}[])`;

  // A run with a parent that reaches SUCCESS, ERROR or CANCELLED wakes the parent in the same statement. For the
  // usual run (no parent) the wake costs an index probe with a NULL key; for a non-terminal target the planner
  // folds it into a one-time filter that never runs.
  const wakeParent = wakeRunsCte(conn, {
    name: "pw",
    now: "$4",
    runIds: "(SELECT r.parent_run_id FROM r)",
    mode: "scalar",
    gate: `$3::text IN ${TERMINAL}`,
  });
  const parentNotified = notifyWoken(conn, "pw", "parent_notified");

  const transitionRunSql = `
    WITH r AS (UPDATE ${runs} ${transitionRunSet("$9")} RETURNING ${cols.run()}),
    ${wakeParent}
    SELECT r.*, ${parentNotified} FROM r`;

  // One statement, so the run's outcome and the acknowledgement of its message commit together: a crash can no
  // longer leave a finished run whose message is redelivered. The archive is owner-checked like \`archive\` and
  // applies only when the guarded transition did.
  const completeRunAndArchiveSql = `
    WITH r AS (UPDATE ${runs} ${transitionRunSet("$11")} RETURNING ${cols.run()}),
    a AS (
      UPDATE ${messages} SET archived_at = $4
       WHERE id = $9 AND consumer_worker_id = $10 AND archived_at IS NULL AND EXISTS (SELECT 1 FROM r)
      RETURNING id),
    ${wakeParent}
    SELECT r.*, EXISTS (SELECT 1 FROM a) AS archived, ${parentNotified} FROM r`;

  // The last step's output, the run's outcome and the message's archive in one statement: the run is finished only
  // when the step completion (fenced by its owner) applied.
  const completeStepThenRunSql = `
    WITH s AS (
      UPDATE ${steps} SET status = 'SUCCESS', output = $12::jsonb, completed_at = $4, updated_at = $4, retry_at = NULL
       WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $11 AND status OPERATOR(pg_catalog.=) 'RUNNING' AND attempt_owner = $13::text
      RETURNING 1),
    r AS (UPDATE ${runs} ${transitionRunSet("$14")} AND EXISTS (SELECT 1 FROM s) RETURNING ${cols.run()}),
    a AS (
      UPDATE ${messages} SET archived_at = $4
       WHERE id = $9 AND consumer_worker_id = $10 AND archived_at IS NULL AND EXISTS (SELECT 1 FROM r)
      RETURNING id),
    ${wakeParent}
    SELECT EXISTS (SELECT 1 FROM s) AS step_completed, EXISTS (SELECT 1 FROM a) AS archived, r.*, ${parentNotified}
      FROM (SELECT 1) one LEFT JOIN r ON TRUE`;

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

  async function runByMessage(messageId: number) {
    const rows = await conn.prepared("run_by_message", `SELECT ${cols.run()} FROM ${runs} WHERE message_id = $1`, [
      messageId,
    ]);
    return rows[0] === undefined ? null : toRun(rows[0]);
  }

  const ops: WorkflowOps = {
    async createWorkflow({ name, now }) {
      for (let attempt = 1; ; attempt++) {
        const rows = await conn.query("createWorkflow", createWorkflowSql, [name, now]);
        if (rows[0] !== undefined) return toWorkflow(rows[0]);
        if (attempt >= UPSERT_ATTEMPTS) {
          throw new PgqrsError("CONFLICT", `Conflict: workflow '${name}' kept changing while creating it; retry`, {
            details: { name },
          });
        }
      }
    },

    async getWorkflowByName(name) {
      const rows = await conn.query(
        "getWorkflowByName",
        `SELECT ${cols.workflow()} FROM ${workflows} WHERE name OPERATOR(pg_catalog.=) $1`,
        [name],
      );
      return rows[0] === undefined ? null : toWorkflow(rows[0]);
    },

    async getWorkflowById(id) {
      const rows = await conn.query("getWorkflowById", `SELECT ${cols.workflow()} FROM ${workflows} WHERE id = $1`, [
        id,
      ]);
      return rows[0] === undefined ? null : toWorkflow(rows[0]);
    },

    async listWorkflows() {
      const rows = await conn.query(
        "listWorkflows",
        `SELECT ${cols.workflow()} FROM ${workflows} ORDER BY created_at DESC, id DESC`,
      );
      return rows.map(toWorkflow);
    },

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
        throw new PgqrsError("VALIDATION_FAILED", "Validation failed: enqueueAndStartRun takes exactly one payload");
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

    async getRun(id) {
      const rows = await conn.prepared("run_by_id", `SELECT ${cols.run()} FROM ${runs} WHERE id = $1`, [id]);
      return rows[0] === undefined ? null : toRun(rows[0]);
    },

    getRunByMessageId: runByMessage,

    async listRuns(p) {
      const { sql, values } = runFilter(p, statusType);
      const { limit, offset } = page(p);
      const rows = await conn.query(
        "listRuns",
        `SELECT ${cols.run()} FROM ${runs} WHERE ${sql} ORDER BY created_at DESC, id DESC
          LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        [...values, limit, offset],
      );
      return rows.map(toRun);
    },

    async countRuns(p) {
      const { sql, values } = runFilter(p, statusType);
      return countOf(
        await conn.query("countRuns", `SELECT pg_catalog.count(*) AS n FROM ${runs} WHERE ${sql}`, values),
      );
    },

    async transitionRun(p) {
      const rows = await conn.prepared("transition_run", transitionRunSql, [
        ...transitionValues(p),
        waitingForValue(p),
      ]);
      return rows[0] === undefined ? null : toRun(rows[0]);
    },

    async completeStepThenRunAndArchive({ complete, run }) {
      const rows = await conn.prepared("complete_step_then_run", completeStepThenRunSql, [
        ...transitionValues(run),
        run.messageId,
        run.workerId,
        complete.stepName,
        complete.output,
        complete.owner,
        waitingForValue(run),
      ]);
      const row = rows[0];
      const completed = row?.step_completed === true;
      if (row === undefined || row.id === null || row.id === undefined)
        return { completed, run: null, archived: false };
      return { completed, run: toRun(row), archived: row.archived === true };
    },

    async completeRunAndArchive(p) {
      const rows = await conn.prepared("complete_run_and_archive", completeRunAndArchiveSql, [
        ...transitionValues(p),
        p.messageId,
        p.workerId,
        waitingForValue(p),
      ]);
      const row = rows[0];
      if (row === undefined) return { run: null, archived: false };
      return { run: toRun(row), archived: row.archived === true };
    },
  };
  return ops;
}
