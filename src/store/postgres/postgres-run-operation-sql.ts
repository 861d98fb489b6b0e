/**
 * The statements of the operator actions on runs (postgres-run-operations.ts): the locks each action takes first
 * (the run's trigger message, then the run), and the retry and resume writes.
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { cols } from "./postgres-rows.js";

/** The statements of one store, built once. */
export interface RunOperationSql {
  /** $1 run: its message, locked (id, queue_id, consumer_worker_id, archived_at). */
  readonly lockMessage: string;
  /** $1 run: the run, locked. */
  readonly lockRun: string;
  /** $1 run, $2 now, $3 its message: the retry; the run's row with `steps_reset` and `notified`. */
  readonly retry: string;
  /** $1 run, $2 now: whether a failed step's retry is still to come (`waiting`). */
  readonly retryWait: string;
  /** $1 run, $2 now, $3 now as ISO text: the resume; the run's row with `sleeps`, `retries` and the wake's notice. */
  readonly resume: string;
}

/** Builds the run actions' statements for `conn`'s schema. */
export function runOperationSql(conn: PostgresConnection): RunOperationSql {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const channel = enqueueChannel(conn.schema);

  // The message by primary key (its id read from the run without a lock), then the run.
  const lockMessage = `
    SELECT m.id, m.queue_id, m.consumer_worker_id, m.archived_at FROM ${messages} m
     WHERE m.id = (SELECT message_id FROM ${runs} WHERE id = $1)
       FOR NO KEY UPDATE OF m`;
  const lockRun = `SELECT ${cols.run()} FROM ${runs} WHERE id = $1 FOR NO KEY UPDATE`;

  // Retry: the message back as a fresh enqueue would leave it, failed steps due now with a fresh budget, the run
  // QUEUED, and the queue's consumers notified (as an enqueue, without origin: this store's loops hear it too).
  const retry = `
    WITH m AS (
      UPDATE ${messages}
         SET archived_at = NULL, dead_lettered_at = NULL, read_ct = 0, vt = $2, enqueued_at = $2,
             consumer_worker_id = NULL, dequeued_at = NULL
       WHERE id = $3
      RETURNING queue_id),
    s AS (
      UPDATE ${steps} SET retry_count = 0, retry_at = $2, updated_at = $2
       WHERE run_id = $1 AND status OPERATOR(pg_catalog.=) 'ERROR'
      RETURNING 1),
    r AS (
      UPDATE ${runs}
         SET status = 'QUEUED', output = NULL, error = NULL, completed_at = NULL, waiting_for = NULL, updated_at = $2
       WHERE id = $1
      RETURNING ${cols.run()})
    SELECT r.*, (SELECT pg_catalog.count(*) FROM s) AS steps_reset,
           (SELECT pg_catalog.pg_notify('${channel}', m.queue_id::text) FROM m) AS notified
      FROM r`;

  // A RUNNING run waits for a retry when no consumer holds its message and a failed step's retry is still to come.
  const retryWait = `
    SELECT EXISTS (SELECT 1 FROM ${steps}
                    WHERE run_id = $1 AND status OPERATOR(pg_catalog.=) 'ERROR' AND retry_at > $2) AS waiting`;

  // Resume: sleeps over now, retries and pauses due now, the wait's deadline now, the message visible now unless
  // held (the wake every waker does), and the queue notified.
  const resume = `
    WITH sl AS (
      UPDATE ${steps}
         SET status = 'SUCCESS', output = pg_catalog.jsonb_build_object('until', $3::text, 'resumed', TRUE),
             completed_at = $2, updated_at = $2, retry_at = NULL
       WHERE run_id = $1 AND kind OPERATOR(pg_catalog.=) 'sleep' AND status OPERATOR(pg_catalog.=) 'RUNNING'
      RETURNING 1),
    rt AS (
      UPDATE ${steps} SET retry_at = $2, updated_at = $2
       WHERE run_id = $1 AND status OPERATOR(pg_catalog.=) 'ERROR' AND retry_at > $2
      RETURNING 1),
    r AS (
      UPDATE ${runs}
         SET updated_at = $2,
             waiting_for = CASE
               WHEN (waiting_for OPERATOR(pg_catalog.->>) 'kind') OPERATOR(pg_catalog.=) ANY ('{sleep,retry,pause}'::text[])
               THEN waiting_for OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('until', $3::text)
               ELSE waiting_for END
       WHERE id = $1
      RETURNING ${cols.run()}),
    ${wakeRunsCte(conn, { name: "w", now: "$2", runIds: "$1::bigint", mode: "scalar" })}
    SELECT r.*, (SELECT pg_catalog.count(*) FROM sl) AS sleeps, (SELECT pg_catalog.count(*) FROM rt) AS retries,
           ${notifyWoken(conn, "w", "notified")}
      FROM r`;

  return { lockMessage, lockRun, retry, retryWait, resume };
}
