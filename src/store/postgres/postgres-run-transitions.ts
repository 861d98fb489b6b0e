/**
 * Run transitions on PostgreSQL: a guarded status change, and the fused statements that finish a run together with
 * its last step's output and its message's archive. A run reaching a terminal status wakes its parent run in the
 * same statement.
 */
import type { StoreBackend, TransitionRunParams } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { cols, toRun } from "./postgres-rows.js";

export type RunTransitionOps = Pick<
  StoreBackend,
  "transitionRun" | "completeRunAndArchive" | "completeStepThenRunAndArchive"
>;

const TERMINAL = "('SUCCESS', 'ERROR', 'CANCELLED')";

function transitionValues(p: TransitionRunParams): unknown[] {
  return [p.id, p.from, p.to, p.now, p.output !== undefined, p.output ?? null, p.error !== undefined, p.error ?? null];
}

/** `waiting_for` of a transition, the statement's last parameter (JSON text or null). */
function waitingForValue(p: TransitionRunParams): string | null {
  return p.waitingFor ?? null;
}

export function createRunTransitionOps(conn: PostgresConnection): RunTransitionOps {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const statusType = `${conn.q}.pgqrs_workflow_status`;

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

  return {
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
}
