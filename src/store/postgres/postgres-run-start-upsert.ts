/**
 * The create-or-start of the runs of a statement's messages, shared by a run's start (postgres-run-starts.ts) and a
 * workflow worker's claim that starts the runs of the messages it takes (postgres-run-claims.ts).
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { cols } from "./postgres-rows.js";

/**
 * CTEs `up` and `rr`: create-or-start the runs of the messages in CTE `c` (id, queue_id, payload,
 * consumer_worker_id) at `$2`; `rr` holds every one of their runs.
 */
export function startRunsUpsert(conn: PostgresConnection): string {
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");

  // Create-or-start the runs of the messages in CTE `c` (id, queue_id, payload, consumer_worker_id) at `$2`; a run
  // in any status but QUEUED/PAUSED/RUNNING is left alone, and `rr` returns it as this statement's snapshot shows
  // it. Each start records the message's consumer as the run's worker and counts an attempt; a RUNNING run is
  // started again only by a new delivery of its message (its last one crashed, lost its lease or was released).
  // The write is redoable (a lost start only means the next delivery starts the run again), so both statements
  // using it commit asynchronously: no WAL flush wait of their own. WAL is written in order, so any later
  // synchronous commit (a step's output, the run's outcome, the message's archive) makes it durable too.
  // A message's workflow is the lowest id serving its queue: one probe of idx_pgqrs_workflows_queue_id per message,
  // in a LATERAL with LIMIT 1 (a join would let the planner hash the whole workflows table for its ~10 rows).
  // The runs `up` did not write are found the same way, one probe of idx_pgqrs_workflow_runs_message_id per
  // message: a semi-join let the generic plan, built while the table was young (a few pages, before any
  // ANALYZE), keep a sequential scan of every run for each claim, 3.6 ms at 6,000 runs and growing with them.
  return `
    up AS (
      INSERT INTO ${runs} AS r (workflow_id, message_id, status, input, created_at, updated_at, started_at,
                                worker_id, attempts, version)
      SELECT w.id, c.id, 'RUNNING', c.payload, $2, $2, $2, c.consumer_worker_id, 1,
             (c.payload OPERATOR(pg_catalog.->>) 'version')
        FROM c CROSS JOIN LATERAL (
               SELECT id FROM ${workflows} WHERE queue_id = c.queue_id ORDER BY id LIMIT 1) w
       ORDER BY c.id
      ON CONFLICT (message_id) DO UPDATE
         SET status = 'RUNNING', updated_at = $2, started_at = COALESCE(r.started_at, $2), waiting_for = NULL,
             worker_id = COALESCE(excluded.worker_id, r.worker_id), attempts = r.attempts + 1
       WHERE r.status OPERATOR(pg_catalog.=) ANY ('{QUEUED,PAUSED,RUNNING}')
      RETURNING ${cols.run("r")}),
    rr AS (
      SELECT ${cols.run()} FROM up
      UNION ALL
      SELECT ${cols.run("e")} FROM c CROSS JOIN LATERAL (
               SELECT * FROM ${runs} WHERE message_id = c.id OFFSET 0) e
       WHERE c.id NOT IN (SELECT message_id FROM up))`;
}
