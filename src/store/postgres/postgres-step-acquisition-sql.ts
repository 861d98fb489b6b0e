/**
 * The statements of step acquisition (postgres-step-acquisition.ts): the atomic acquire upsert, alone or checked
 * against the run's status, and the step boundary that completes one step and acquires the next. Each returns the
 * step's columns with `acquired` (the upsert wrote the row) and `fresh` (the row returned is its latest version).
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { cols } from "./postgres-rows.js";

/** The three acquisition statements of one store, built once. */
export interface StepAcquisitionSql {
  /** $1 run, $2 step, $3 now, $4 owner. */
  readonly acquire: string;
  /** As `acquire`, attempted only while the run is live; returns `run_status` too. */
  readonly acquireOfRun: string;
  /** As `acquireOfRun`, after completing step $5 with output $6 (JSON text); returns `completed` too. */
  readonly completeThenAcquire: string;
}

/** Builds the acquisition statements for `conn`'s schema. */
export function stepAcquisitionSql(conn: PostgresConnection): StepAcquisitionSql {
  const steps = conn.t("pgqrs_workflow_steps");
  const runs = conn.t("pgqrs_workflow_runs");

  // One statement decides and records the acquisition. ON CONFLICT DO UPDATE locks the existing row and evaluates
  // its WHERE on the latest committed version, so of two workers racing for a retry-ready ERROR step exactly one
  // moves it to RUNNING. A RUNNING row counts as a crashed attempt only when another delivery of the run's message
  // (`attempt_owner`) holds it, so a racer of the same delivery finds the winner's attempt live.
  // `acquired` is "the upsert returned a row": inserted, or updated because the WHERE held. Otherwise the row is
  // left untouched (no dead tuple for replays of finished steps) and the second branch returns it as this
  // statement's snapshot sees it. That version is the latest exactly when its xmax is our own row lock (ON CONFLICT
  // locked it); otherwise a concurrent transaction changed it after our snapshot and it is read again.
  //
  // The acquisition is redoable (a lost RUNNING marker only means the step is acquired again, and it had not
  // completed: its completion is a later, synchronous commit, which flushes the WAL up to and including this one),
  // so it commits asynchronously and does not wait for a WAL flush of its own.
  // Which existing rows an acquisition takes: the rule above, shared by both acquisition statements.
  const takeOver = `ON CONFLICT (run_id, step_name) DO UPDATE
         SET status = 'RUNNING',
             attempt_owner = $4,
             started_at = $3,
             updated_at = $3,
             retry_at = NULL,
             completed_at = NULL,
             error = CASE WHEN s.status OPERATOR(pg_catalog.=) 'ERROR' THEN NULL ELSE s.error END
       WHERE (s.status OPERATOR(pg_catalog.=) 'RUNNING' AND s.attempt_owner IS DISTINCT FROM $4::text)
          OR (s.status OPERATOR(pg_catalog.=) 'ERROR' AND s.retry_at IS NOT NULL AND s.retry_at <= $3)`;

  const acquire = `
    WITH sc AS MATERIALIZED (SELECT pg_catalog.set_config('synchronous_commit', 'off', true)),
    up AS (
      INSERT INTO ${steps} AS s (run_id, step_name, status, started_at, retry_count, created_at, updated_at, attempt_owner)
      SELECT $1::bigint, $2::varchar, 'RUNNING', $3::timestamptz, 0, $3::timestamptz, $3::timestamptz, $4::text FROM sc
      ${takeOver}
      RETURNING ${cols.step("s")})
    SELECT ${cols.step()}, TRUE AS acquired, TRUE AS fresh FROM up
    UNION ALL
    SELECT ${cols.step()}, FALSE AS acquired, xmax = pg_catalog.pg_current_xact_id()::xid AS fresh FROM ${steps}
     WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND NOT EXISTS (SELECT 1 FROM up)`;

  // The same acquisition, attempted only while the run is live: the run's status is read in the same statement
  // (the engine checked it with a separate read before each step). A cancellation committed after this
  // statement's snapshot is seen at the next step boundary, as it was with the separate read.
  const acquireOfRun = `
    WITH sc AS MATERIALIZED (SELECT pg_catalog.set_config('synchronous_commit', 'off', true)),
    run AS MATERIALIZED (SELECT status::text AS status FROM ${runs} WHERE id = $1),
    up AS (
      INSERT INTO ${steps} AS s (run_id, step_name, status, started_at, retry_count, created_at, updated_at, attempt_owner)
      SELECT $1::bigint, $2::varchar, 'RUNNING', $3::timestamptz, 0, $3::timestamptz, $3::timestamptz, $4::text
        FROM sc
       WHERE EXISTS (SELECT 1 FROM run WHERE status::text NOT IN ('CANCELLING', 'CANCELLED'))
      ${takeOver}
      RETURNING ${cols.step("s")})
    SELECT (SELECT status FROM run) AS run_status, ${cols.step()}, TRUE AS acquired, TRUE AS fresh FROM up
    UNION ALL
    SELECT (SELECT status FROM run), ${cols.step()}, FALSE, xmax = pg_catalog.pg_current_xact_id()::xid FROM ${steps}
     WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND NOT EXISTS (SELECT 1 FROM up)`;

  // A step boundary of a workflow: the previous step's output and the next step's acquisition in one statement and
  // one (synchronous) commit. The acquisition applies only when the fenced completion did; the one-row LEFT JOIN
  // returns the completion's outcome even when there is no step row to return.
  const completeThenAcquire = `
    WITH done AS (
      UPDATE ${steps} SET status = 'SUCCESS', output = $6::jsonb, completed_at = $3, updated_at = $3, retry_at = NULL
       WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $5 AND status OPERATOR(pg_catalog.=) 'RUNNING' AND attempt_owner = $4::text
      RETURNING 1),
    run AS MATERIALIZED (SELECT status::text AS status FROM ${runs} WHERE id = $1),
    up AS (
      INSERT INTO ${steps} AS s (run_id, step_name, status, started_at, retry_count, created_at, updated_at, attempt_owner)
      SELECT $1::bigint, $2::varchar, 'RUNNING', $3::timestamptz, 0, $3::timestamptz, $3::timestamptz, $4::text
       WHERE EXISTS (SELECT 1 FROM run WHERE status::text NOT IN ('CANCELLING', 'CANCELLED')) AND EXISTS (SELECT 1 FROM done)
      ${takeOver}
      RETURNING ${cols.step("s")}),
    found AS (
      SELECT ${cols.step()}, TRUE AS acquired, TRUE AS fresh FROM up
      UNION ALL
      SELECT ${cols.step()}, FALSE, xmax = pg_catalog.pg_current_xact_id()::xid FROM ${steps}
       WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2 AND NOT EXISTS (SELECT 1 FROM up))
    SELECT EXISTS (SELECT 1 FROM done) AS completed, (SELECT status FROM run) AS run_status, found.*
      FROM (SELECT 1) one LEFT JOIN found ON TRUE`;

  return { acquire, acquireOfRun, completeThenAcquire };
}
