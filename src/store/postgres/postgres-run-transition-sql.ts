/**
 * The statements of run transitions on PostgreSQL (postgres-run-transitions.ts): the guarded status change and the
 * fused statements that also archive the run's message (and complete its last step). Each wakes the run's parent
 * when the run reaches a terminal status.
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { cols } from "./postgres-rows.js";

const TERMINAL = "('SUCCESS', 'ERROR', 'CANCELLED')";

/**
 * The statements of one store, built once. Each starts with the transition's parameters: $1 run, $2 from (statuses),
 * $3 to, $4 now, $5/$6 has output/output, $7/$8 has error/error; then their own (see each).
 */
export interface RunTransitionSql {
  /** $9 waiting_for. Returns the run and `parent_notified`. */
  readonly transitionRun: string;
  /** $9 message, $10 its consumer, $11 waiting_for. Returns the run, `archived`, `parent_notified`. */
  readonly completeRunAndArchive: string;
  /**
   * $9 message, $10 its consumer, $11 step, $12 its output, $13 its owner, $14 waiting_for. Returns `step_completed`,
   * `archived`, the run (NULLs when not transitioned) and `parent_notified`.
   */
  readonly completeStepThenRun: string;
}

/** Builds the run transitions' statements for `conn`'s schema. */
export function runTransitionSql(conn: PostgresConnection): RunTransitionSql {
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

  const transitionRun = `
    WITH r AS (UPDATE ${runs} ${transitionRunSet("$9")} RETURNING ${cols.run()}),
    ${wakeParent}
    SELECT r.*, ${parentNotified} FROM r`;

  // One statement, so the run's outcome and the acknowledgement of its message commit together: a crash can no
  // longer leave a finished run whose message is redelivered. The archive is owner-checked like \`archive\` and
  // applies only when the guarded transition did.
  const completeRunAndArchive = `
    WITH r AS (UPDATE ${runs} ${transitionRunSet("$11")} RETURNING ${cols.run()}),
    a AS (
      UPDATE ${messages} SET archived_at = $4
       WHERE id = $9 AND consumer_worker_id = $10 AND archived_at IS NULL AND EXISTS (SELECT 1 FROM r)
      RETURNING id),
    ${wakeParent}
    SELECT r.*, EXISTS (SELECT 1 FROM a) AS archived, ${parentNotified} FROM r`;

  // The last step's output, the run's outcome and the message's archive in one statement: the run is finished only
  // when the step completion (fenced by its owner) applied.
  const completeStepThenRun = `
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

  return { transitionRun, completeRunAndArchive, completeStepThenRun };
}
