/**
 * The group-commit statement of a workflow worker's step boundaries (postgres-step-boundaries.ts) and its values:
 * the boundaries as parallel arrays, acquisitions in `b` ($1-$7) and run finishes in `f` ($8-$21), each numbered by
 * its position among its kind (`ord`).
 */
import type { StepBoundary } from "../workflow-store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { asyncCommit } from "./postgres-message-leases.js";
import { cols, prefixedRunColumns } from "./postgres-rows.js";

/** An acquisition boundary (a step's completion, if any, then the next step's acquisition). */
export type AcquireBoundary = Extract<StepBoundary, { kind: "acquire" }>;
/** A finish boundary (a step's completion, if any, then the run's outcome and its message's archive). */
export type FinishBoundary = Extract<StepBoundary, { kind: "finish" }>;

const TERMINAL = "('SUCCESS', 'ERROR', 'CANCELLED')";

/**
 * The statement, built once per store: `durableSql` when a boundary writes an output or an outcome, `asyncSql`
 * (committing without its WAL flush) when they are all bare acquisitions.
 */
export function stepBoundaryStatements(conn: PostgresConnection): { durableSql: string; asyncSql: string } {
  const steps = conn.t("pgqrs_workflow_steps");
  const runs = conn.t("pgqrs_workflow_runs");
  const messages = conn.t("pgqrs_messages");
  const statusType = `${conn.q}.pgqrs_workflow_status`;
  const stepColumns = cols.step().split(", ");
  const runColumns = cols.run().split(", ");

  // `durable`: false when no boundary writes an output or an outcome; the acquisitions alone are redoable and
  // commit asynchronously, as the single acquisition does.
  const sql = (durable: boolean) => `
    WITH ${durable ? "" : `${asyncCommit},`}
    b AS (SELECT * FROM ${rowsFrom(["$1::bigint[]", "$2::text[]", "$3::timestamptz[]", "$4::text[]", "$5::text[]", "$6::text[]", "$7::text[]"])}
                   WITH ORDINALITY AS b (run_id, step_name, now, owner, cstep, coutput, cowner, ord)),
    f AS (SELECT * FROM ${rowsFrom(["$8::bigint[]", "$9::text[]", "$10::text[]", "$11::timestamptz[]", "$12::boolean[]", "$13::text[]", "$14::boolean[]", "$15::text[]", "$16::bigint[]", "$17::bigint[]", "$18::text[]", "$19::text[]", "$20::text[]", "$21::text[]"])}
                   WITH ORDINALITY AS f (run_id, from_s, to_s, now, has_output, output, has_error, error,
                                         message_id, worker_id, cstep, coutput, cowner, waiting_for, ord)),
    x AS (SELECT run_id, cstep, coutput, cowner, now FROM b WHERE cstep IS NOT NULL
          UNION ALL
          SELECT run_id, cstep, coutput, cowner, now FROM f WHERE cstep IS NOT NULL),
    done AS (
      UPDATE ${steps} AS s
         SET status = 'SUCCESS', output = x.coutput::jsonb, completed_at = x.now, updated_at = x.now, retry_at = NULL
        FROM x
       WHERE s.run_id = ANY (ARRAY(SELECT run_id FROM x)) AND s.run_id = x.run_id
         AND s.step_name OPERATOR(pg_catalog.=) x.cstep AND s.status OPERATOR(pg_catalog.=) 'RUNNING'
         AND s.attempt_owner = x.cowner
      RETURNING s.run_id),
    rs AS MATERIALIZED (
      SELECT r.id, r.status FROM (SELECT DISTINCT run_id FROM b) ids
       CROSS JOIN LATERAL (SELECT id, status::text AS status FROM ${runs} WHERE id = ids.run_id OFFSET 0) r),
    up AS (
      INSERT INTO ${steps} AS s (run_id, step_name, status, started_at, retry_count, created_at, updated_at, attempt_owner)
      SELECT b.run_id, b.step_name, 'RUNNING', b.now, 0, b.now, b.now, b.owner FROM b
       WHERE EXISTS (SELECT 1 FROM rs WHERE rs.id = b.run_id AND rs.status::text NOT IN ('CANCELLING', 'CANCELLED'))
         AND (b.cstep IS NULL OR EXISTS (SELECT 1 FROM done WHERE done.run_id = b.run_id))
      ON CONFLICT (run_id, step_name) DO UPDATE
         SET status = 'RUNNING',
             attempt_owner = excluded.attempt_owner,
             started_at = excluded.started_at,
             updated_at = excluded.started_at,
             retry_at = NULL,
             completed_at = NULL,
             error = CASE WHEN s.status OPERATOR(pg_catalog.=) 'ERROR' THEN NULL ELSE s.error END
       WHERE (s.status OPERATOR(pg_catalog.=) 'RUNNING' AND s.attempt_owner IS DISTINCT FROM excluded.attempt_owner)
          OR (s.status OPERATOR(pg_catalog.=) 'ERROR' AND s.retry_at IS NOT NULL AND s.retry_at <= excluded.started_at)
      RETURNING ${cols.step("s")}),
    found AS (
      SELECT ${cols.step()}, TRUE AS acquired, TRUE AS fresh FROM up
      UNION ALL
      SELECT ${cols.step("s")}, FALSE, s.row_xmax = pg_catalog.pg_current_xact_id()::xid
        FROM b CROSS JOIN LATERAL (SELECT st.*, st.xmax AS row_xmax FROM ${steps} st
                                    WHERE st.run_id = b.run_id AND st.step_name OPERATOR(pg_catalog.=) b.step_name
                                   OFFSET 0) s
       WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.run_id = b.run_id AND up.step_name OPERATOR(pg_catalog.=) b.step_name)),
    fr AS (
      UPDATE ${runs} AS r
         SET status = f.to_s::${statusType},
             updated_at = f.now,
             started_at = CASE WHEN f.to_s = 'RUNNING' THEN COALESCE(r.started_at, f.now) ELSE r.started_at END,
             paused_at = CASE WHEN f.to_s = 'PAUSED' THEN f.now ELSE r.paused_at END,
             completed_at = CASE WHEN f.to_s IN ${TERMINAL} THEN f.now ELSE r.completed_at END,
             output = CASE WHEN f.has_output THEN f.output::jsonb ELSE r.output END,
             error = CASE WHEN f.has_error THEN f.error::jsonb ELSE r.error END,
             waiting_for = CASE WHEN f.to_s <> 'PAUSED' THEN NULL
                                WHEN f.waiting_for IS NOT NULL THEN f.waiting_for::jsonb ELSE r.waiting_for END
        FROM f
       WHERE r.id = ANY ($8::bigint[]) AND r.id = f.run_id
         AND r.status OPERATOR(pg_catalog.=) ANY (f.from_s::${statusType}[])
         AND (f.cstep IS NULL OR EXISTS (SELECT 1 FROM done WHERE done.run_id = f.run_id))
      RETURNING f.ord AS f_ord, f.message_id AS f_message_id, f.worker_id AS f_worker_id, f.now AS f_now,
                ${prefixedRunColumns("r", "run__")}),
    fa AS (
      UPDATE ${messages} AS m SET archived_at = fr.f_now
        FROM fr
       WHERE m.id = ANY (ARRAY(SELECT f_message_id FROM fr)) AND m.id = fr.f_message_id
         AND m.consumer_worker_id = fr.f_worker_id AND m.archived_at IS NULL
      RETURNING m.id)
    SELECT 'acquire' AS boundary, b.ord,
           (b.cstep IS NULL OR EXISTS (SELECT 1 FROM done WHERE done.run_id = b.run_id)) AS completed,
           (SELECT rs.status FROM rs WHERE rs.id = b.run_id) AS run_status, FALSE AS archived,
           ${stepColumns.map((c) => `found.${c}`).join(", ")}, found.acquired, found.fresh,
           ${runColumns.map((c) => `NULL AS run__${c}`).join(", ")}
      FROM b${durable ? "" : " CROSS JOIN sc"} LEFT JOIN found ON found.run_id = b.run_id AND found.step_name OPERATOR(pg_catalog.=) b.step_name
    UNION ALL
    SELECT 'finish', f.ord,
           (f.cstep IS NULL OR EXISTS (SELECT 1 FROM done WHERE done.run_id = f.run_id)),
           NULL, EXISTS (SELECT 1 FROM fa WHERE fa.id = f.message_id),
           ${stepColumns.map(() => "NULL").join(", ")}, NULL, NULL,
           ${runColumns.map((c) => `fr.run__${c}`).join(", ")}
      FROM f LEFT JOIN fr ON fr.f_ord = f.ord`;

  return { durableSql: sql(true), asyncSql: sql(false) };
}

/** The statement's values, in its parameters' order. */
export function stepBoundaryValues(
  acquires: readonly AcquireBoundary[],
  finishes: readonly FinishBoundary[],
): unknown[] {
  return [
    acquires.map((b) => b.acquire.runId),
    acquires.map((b) => b.acquire.stepName),
    acquires.map((b) => b.acquire.now),
    acquires.map((b) => b.acquire.owner),
    acquires.map((b) => b.complete?.stepName ?? null),
    acquires.map((b) => b.complete?.output ?? null),
    acquires.map((b) => b.complete?.owner ?? null),
    finishes.map((b) => b.run.id),
    finishes.map((b) => `{${b.run.from.join(",")}}`),
    finishes.map((b) => b.run.to),
    finishes.map((b) => b.run.now),
    finishes.map((b) => b.run.output !== undefined),
    finishes.map((b) => b.run.output ?? null),
    finishes.map((b) => b.run.error !== undefined),
    finishes.map((b) => b.run.error ?? null),
    finishes.map((b) => b.run.messageId),
    finishes.map((b) => b.run.workerId),
    finishes.map((b) => b.complete?.stepName ?? null),
    finishes.map((b) => b.complete?.output ?? null),
    finishes.map((b) => b.complete?.owner ?? null),
    finishes.map((b) => b.run.waitingFor ?? null),
  ];
}

/** Parallel arrays as one table (a multi-argument `unnest` cannot be schema-qualified). */
function rowsFrom(arrays: readonly string[]): string {
  return `ROWS FROM (${arrays.map((a) => `pg_catalog.unnest(${a})`).join(", ")})`;
}
