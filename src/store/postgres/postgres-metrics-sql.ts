/**
 * The four reads of a Prometheus scrape on PostgreSQL (postgres-metrics.ts), none of which takes a lock.
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { MESSAGE_COUNTS, PENDING } from "./postgres-stats.js";

/** The scrape's statements of one store, built once. */
export interface MetricsSql {
  /** $1 now, $2 maxReadCt, $3/$4 the window: one row per queue, its backlog and its window's outcomes. */
  readonly queues: string;
  /** Workers per queue and status. */
  readonly workers: string;
  /** Runs per workflow and status (one row with no status for a workflow without runs). */
  readonly runs: string;
  /** $1/$2 the window, $3 the step rows scanned, $4 the bucket bounds (s): step durations per workflow and bucket. */
  readonly steps: string;
}

/** Builds the scrape's statements for `conn`'s schema. */
export function metricsSql(conn: PostgresConnection): MetricsSql {
  const queues = conn.t("pgqrs_queues");
  const messages = conn.t("pgqrs_messages");
  const workers = conn.t("pgqrs_workers");
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");

  // $1 now, $2 maxReadCt (the stats predicates), $3/$4 the window. The backlog is one pass over the unarchived rows;
  // the window and the dead letters are index ranges of each queue (idx_pgqrs_messages_archived_at,
  // idx_pgqrs_messages_dead_lettered). Dead-lettering sets archived_at = dead_lettered_at, so the archived rows of
  // the window split into completions and dead-letterings.
  const queuesSql = `
    SELECT q.queue_name, COALESCE(l.pending, 0) AS pending, COALESCE(l.delayed, 0) AS delayed,
           COALESCE(l.leased, 0) AS leased, COALESCE(l.retrying, 0) AS retrying, l.oldest_pending,
           (SELECT pg_catalog.count(*) FROM ${messages} d
             WHERE d.queue_id = q.id AND d.dead_lettered_at IS NOT NULL AND d.archived_at = d.dead_lettered_at) AS dead,
           w.completed, w.dead_lettered
      FROM ${queues} q
      LEFT JOIN (
        SELECT m.queue_id, ${MESSAGE_COUNTS},
               pg_catalog.count(m.id) FILTER (WHERE m.last_error IS NOT NULL OR m.read_ct > 1) AS retrying,
               pg_catalog.min(m.enqueued_at) FILTER (WHERE ${PENDING}) AS oldest_pending
          FROM ${messages} m
         WHERE m.archived_at IS NULL
         GROUP BY m.queue_id) l ON l.queue_id = q.id
      CROSS JOIN LATERAL (
        SELECT pg_catalog.count(*) FILTER (WHERE a.dead_lettered_at IS DISTINCT FROM a.archived_at) AS completed,
               pg_catalog.count(*) FILTER (WHERE a.dead_lettered_at = a.archived_at) AS dead_lettered
          FROM ${messages} a
         WHERE a.queue_id = q.id AND a.archived_at > $3::timestamptz AND a.archived_at <= $4::timestamptz) w
     ORDER BY q.queue_name`;

  const workersSql = `
    SELECT q.queue_name, c.status, c.n
      FROM (SELECT w.queue_id, w.status::text AS status, pg_catalog.count(*) AS n
              FROM ${workers} w GROUP BY w.queue_id, w.status) c
      LEFT JOIN ${queues} q ON q.id = c.queue_id
     ORDER BY q.queue_name NULLS FIRST, c.status`;

  // Every definition, with no status when it has no run (so its series exist from the first scrape).
  const runsSql = `
    SELECT f.name, c.status, c.n
      FROM ${workflows} f
      LEFT JOIN (SELECT r.workflow_id, r.status::text AS status, pg_catalog.count(*) AS n
                   FROM ${runs} r GROUP BY r.workflow_id, r.status) c ON c.workflow_id = f.id
     ORDER BY f.name, c.status`;

  // $1/$2 the window, $3 the rows scanned (newest first by the primary key), $4 the bucket bounds: a duration's
  // bucket is the number of bounds below it (Prometheus buckets are `le`, upper-inclusive).
  const stepsSql = `
    SELECT f.name, b.bucket, pg_catalog.count(*) AS n, pg_catalog.sum(e.seconds) AS sum_seconds
      FROM (SELECT s.run_id,
                   GREATEST(pg_catalog.date_part('epoch', s.completed_at OPERATOR(pg_catalog.-) s.started_at), 0::float8) AS seconds
              FROM (SELECT t.run_id, t.status, t.started_at, t.completed_at FROM ${steps} t ORDER BY t.id DESC LIMIT $3::int8) s
             WHERE s.completed_at > $1::timestamptz AND s.completed_at <= $2::timestamptz AND s.started_at IS NOT NULL
               AND s.status::text IN ('SUCCESS', 'ERROR')) e
      CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS bucket FROM pg_catalog.unnest($4::float8[]) AS u (le)
                           WHERE u.le < e.seconds) b
      JOIN ${runs} r ON r.id = e.run_id
      JOIN ${workflows} f ON f.id = r.workflow_id
     GROUP BY f.name, b.bucket
     ORDER BY f.name, b.bucket`;

  return { queues: queuesSql, workers: workersSql, runs: runsSql, steps: stepsSql };
}
