/**
 * The snapshot of one Prometheus scrape (store/metrics-store.ts) in four reads, run back to back in one synchronous
 * call. Their cost: the unarchived messages (the backlog), the archived rows of each queue in the counted window
 * and its dead letters (idx_messages_archived_at), the runs kept by retention, and at most `stepRowsScanned` newest
 * step rows.
 */
import type { WorkerStatus, WorkflowStatus } from "../../types.js";
import type { MetricsSnapshot, MetricsSnapshotParams } from "../metrics-store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { MESSAGE_COUNTS } from "./sqlite-stats.js";
import { decodeTimeOrNull, encodeTime } from "./sqlite-time.js";

interface QueueRow {
  queue_name: string;
  pending: number;
  delayed: number;
  leased: number;
  retrying: number;
  oldest_pending: string | null;
  dead: number;
  completed: number;
  dead_lettered: number;
}

// The states of sqlite-stats.ts (its MESSAGE_COUNTS) over the unarchived rows. Dead-lettering sets archived_at = dead_lettered_at, so
// the archived rows of the window split into completions and dead-letterings.
const QUEUES_SQL = `SELECT q.queue_name,
    COALESCE(l.pending, 0) AS pending, COALESCE(l.delayed, 0) AS delayed, COALESCE(l.leased, 0) AS leased,
    COALESCE(l.retrying, 0) AS retrying, l.oldest_pending,
    (SELECT COUNT(*) FROM pgqrs_messages d
      WHERE d.queue_id = q.id AND d.archived_at IS NOT NULL AND d.dead_lettered_at = d.archived_at) AS dead,
    (SELECT COUNT(*) FROM pgqrs_messages a
      WHERE a.queue_id = q.id AND a.archived_at > @after AND a.archived_at <= @upTo
        AND (a.dead_lettered_at IS NULL OR a.dead_lettered_at <> a.archived_at)) AS completed,
    (SELECT COUNT(*) FROM pgqrs_messages a
      WHERE a.queue_id = q.id AND a.archived_at > @after AND a.archived_at <= @upTo
        AND a.dead_lettered_at = a.archived_at) AS dead_lettered
  FROM pgqrs_queues q
  LEFT JOIN (
    SELECT queue_id, ${MESSAGE_COUNTS},
      SUM(last_error IS NOT NULL OR read_ct > 1) AS retrying,
      MIN(CASE WHEN vt <= @now AND read_ct < @maxReadCt THEN enqueued_at END) AS oldest_pending
    FROM pgqrs_messages WHERE archived_at IS NULL GROUP BY queue_id
  ) l ON l.queue_id = q.id
  ORDER BY q.queue_name`;

const WORKERS_SQL = `SELECT q.queue_name, c.status, c.n
  FROM (SELECT queue_id, status, COUNT(*) AS n FROM pgqrs_workers GROUP BY queue_id, status) c
  LEFT JOIN pgqrs_queues q ON q.id = c.queue_id
  ORDER BY q.queue_name NULLS FIRST, c.status`;

/** Every definition, with no status when it has no run (so its series exist from the first scrape). */
const RUNS_SQL = `SELECT f.name, c.status, c.n
  FROM pgqrs_workflows f
  LEFT JOIN (SELECT workflow_id, status, COUNT(*) AS n FROM pgqrs_workflow_runs GROUP BY workflow_id, status) c
    ON c.workflow_id = f.id
  ORDER BY f.name, c.status`;

/** A duration's bucket is the number of bounds below it (Prometheus buckets are `le`, upper-inclusive). */
const STEPS_SQL = `SELECT f.name,
    (SELECT COUNT(*) FROM json_each(@bounds) b WHERE b.value < e.seconds) AS bucket,
    COUNT(*) AS n, SUM(e.seconds) AS sum_seconds
  FROM (SELECT s.run_id, MAX(ROUND((julianday(s.completed_at) - julianday(s.started_at)) * 86400.0, 3), 0.0) AS seconds
          FROM (SELECT run_id, status, started_at, completed_at FROM pgqrs_workflow_steps ORDER BY id DESC LIMIT @rows) s
         WHERE s.completed_at > @after AND s.completed_at <= @upTo AND s.started_at IS NOT NULL
           AND s.status IN ('SUCCESS', 'ERROR')) e
  JOIN pgqrs_workflow_runs r ON r.id = e.run_id
  JOIN pgqrs_workflows f ON f.id = r.workflow_id
  GROUP BY f.name, bucket
  ORDER BY f.name, bucket`;

export function metricsSnapshot(c: SqliteConnection, p: MetricsSnapshotParams): MetricsSnapshot {
  const window = { after: encodeTime(p.after), upTo: encodeTime(p.upTo) };
  const queues = c.all<QueueRow>(QUEUES_SQL, { ...window, now: encodeTime(p.now), maxReadCt: p.maxReadCt });
  const workers = c.all<{ queue_name: string | null; status: string; n: number }>(WORKERS_SQL);
  const runs = c.all<{ name: string; status: string | null; n: number | null }>(RUNS_SQL);
  const steps = c.all<{ name: string; bucket: number; n: number; sum_seconds: number }>(STEPS_SQL, {
    ...window,
    rows: p.stepRowsScanned,
    bounds: JSON.stringify(p.stepBucketsSeconds),
  });
  return {
    queues: queues.map((r) => ({
      queue: r.queue_name,
      pending: r.pending,
      delayed: r.delayed,
      leased: r.leased,
      retrying: r.retrying,
      deadLetters: r.dead,
      oldestPendingAt: decodeTimeOrNull(r.oldest_pending),
      completedInWindow: r.completed,
      deadLetteredInWindow: r.dead_lettered,
    })),
    workers: workers.map((r) => ({ queue: r.queue_name, status: r.status as WorkerStatus, count: r.n })),
    runs: runs.flatMap((r) =>
      r.status === null ? [] : [{ workflow: r.name, status: r.status as WorkflowStatus, count: r.n ?? 0 }],
    ),
    workflows: [...new Set(runs.map((r) => r.name))],
    stepDurations: steps.map((r) => ({ workflow: r.name, bucket: r.bucket, count: r.n, sumSeconds: r.sum_seconds })),
  };
}
