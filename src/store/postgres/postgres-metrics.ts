/**
 * The snapshot of one Prometheus scrape (store/metrics-store.ts) in four reads, none of which takes a lock. Their
 * cost: the unarchived messages (the backlog, as the dashboard's counts), an index range per queue for the counted
 * window and the dead letters, the runs kept by retention, and at most `stepRowsScanned` newest step rows. The
 * statements are in postgres-metrics-sql.ts; here, the calls and the snapshot made of their rows.
 */
import type { WorkerStatus, WorkflowStatus } from "../../types.js";
import type { MetricsSnapshot, MetricsStoreOps, StepDurationSample } from "../metrics-store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { countOf } from "./postgres-rows.js";
import { metricsSql } from "./postgres-metrics-sql.js";

function n(r: Row, column: string): number {
  return countOf([r], column);
}

export function createMetricsOps(conn: PostgresConnection): MetricsStoreOps {
  const sql = metricsSql(conn);

  return {
    async metricsSnapshot(p): Promise<MetricsSnapshot> {
      // One after the other: a scrape holds at most one pooled connection.
      const queueRows = await conn.query("metricsSnapshot", sql.queues, [p.now, p.maxReadCt, p.after, p.upTo]);
      const workerRows = await conn.query("metricsSnapshot", sql.workers);
      const runRows = await conn.query("metricsSnapshot", sql.runs);
      const stepRows = await conn.query("metricsSnapshot", sql.steps, [
        p.after,
        p.upTo,
        p.stepRowsScanned,
        [...p.stepBucketsSeconds],
      ]);
      const names = new Set<string>();
      for (const r of runRows) names.add(String(r.name));
      return {
        queues: queueRows.map((r) => ({
          queue: String(r.queue_name),
          pending: n(r, "pending"),
          delayed: n(r, "delayed"),
          leased: n(r, "leased"),
          retrying: n(r, "retrying"),
          deadLetters: n(r, "dead"),
          oldestPendingAt: r.oldest_pending instanceof Date ? r.oldest_pending : null,
          completedInWindow: n(r, "completed"),
          deadLetteredInWindow: n(r, "dead_lettered"),
        })),
        workers: workerRows.map((r) => ({
          queue: r.queue_name === null || r.queue_name === undefined ? null : String(r.queue_name),
          status: String(r.status) as WorkerStatus,
          count: n(r, "n"),
        })),
        runs: runRows
          .filter((r) => r.status !== null && r.status !== undefined)
          .map((r) => ({ workflow: String(r.name), status: String(r.status) as WorkflowStatus, count: n(r, "n") })),
        workflows: [...names],
        stepDurations: stepRows.map(
          (r): StepDurationSample => ({
            workflow: String(r.name),
            bucket: n(r, "bucket"),
            count: n(r, "n"),
            sumSeconds: Number(r.sum_seconds ?? 0),
          }),
        ),
      };
    },
  };
}
