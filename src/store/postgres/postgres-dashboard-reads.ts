/**
 * Paged reads for dashboards: each is one statement whose result is bounded by the caller's page, so a page costs
 * the same with ten queues or ten thousand. Every function, aggregate and operator is written so that none can be
 * shadowed from a schema on the search path: calls are `pg_catalog.`-qualified and operands have exact types.
 * Queue metrics are here; workflows and runs in postgres-dashboard-workflow-reads.ts, workers in
 * postgres-dashboard-worker-reads.ts.
 */
import type { QueueMetrics } from "../../types.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { createDashboardWorkerReadOps } from "./postgres-dashboard-worker-reads.js";
import { createDashboardWorkflowReadOps } from "./postgres-dashboard-workflow-reads.js";
import { queueWithSettings } from "./postgres-queue-settings.js";
import { countOf, toQueue } from "./postgres-rows.js";
import { matches, searchOf } from "./postgres-search.js";
import { MESSAGE_COUNTS, PENDING } from "./postgres-stats.js";

/** An archived row that is not a dead letter (the rule of postgres-stats.ts's DEAD, for rows known archived). */
const NOT_DEAD_ARCHIVED = "m.dead_lettered_at IS DISTINCT FROM m.archived_at";

export type DashboardReadOps = Pick<
  StoreBackend,
  | "queueMetricsPage"
  | "metricsTotals"
  | "completedPerMinute"
  | "getQueuesByIds"
  | "listWorkflowsPage"
  | "getWorkflowsByIds"
  | "countRunsByStatus"
  | "countZombies"
  | "workerActivity"
>;

function toMetrics(r: Row, now: Date): QueueMetrics {
  const n = (k: string) => countOf([r], k);
  const oldest = r.oldest_pending instanceof Date ? r.oldest_pending : null;
  return {
    name: String(r.queue_name),
    queueId: Number(r.id),
    totalMessages: n("total") + n("archived"),
    activeMessages: n("total"),
    pendingMessages: n("pending"),
    delayedMessages: n("delayed"),
    leasedMessages: n("leased"),
    lockedMessages: n("leased"),
    archivedMessages: n("archived"),
    deadLetteredMessages: n("dead"),
    oldestPendingMessage: oldest,
    oldestPendingAgeMs: oldest === null ? 0 : Math.max(0, now.getTime() - oldest.getTime()),
    newestMessage: r.newest instanceof Date ? r.newest : null,
  };
}

export function createDashboardReadOps(conn: PostgresConnection): DashboardReadOps {
  const queues = conn.t("pgqrs_queues");
  const messages = conn.t("pgqrs_messages");
  const workflows = conn.t("pgqrs_workflows");

  return {
    ...createDashboardWorkflowReadOps(conn),
    ...createDashboardWorkerReadOps(conn),
    async queueMetricsPage({ now, maxReadCt, search, limit, offset }) {
      // The match count comes from its own one-row side, so a page past the end still reports it.
      const rows = await conn.query(
        "queueMetricsPage",
        `WITH f AS (SELECT q.id, q.queue_name FROM ${queues} q WHERE ${matches("q.queue_name", 3)}),
              c AS (SELECT m.queue_id, ${MESSAGE_COUNTS},
                           pg_catalog.min(m.enqueued_at) FILTER (WHERE ${PENDING}) AS oldest_pending,
                           pg_catalog.max(m.enqueued_at) AS newest
                      FROM ${messages} m WHERE m.queue_id IN (SELECT f.id FROM f) GROUP BY m.queue_id)
         SELECT n.matching, p.*
           FROM (SELECT pg_catalog.count(*) AS matching FROM f) n
           LEFT JOIN LATERAL (
             SELECT f.id, f.queue_name, COALESCE(c.total, 0) AS total, COALESCE(c.pending, 0) AS pending,
                    COALESCE(c.delayed, 0) AS delayed, COALESCE(c.leased, 0) AS leased,
                    COALESCE(c.archived, 0) AS archived, COALESCE(c.dead, 0) AS dead, c.oldest_pending, c.newest
               FROM f LEFT JOIN c ON c.queue_id = f.id
              ORDER BY COALESCE(c.pending, 0) DESC, COALESCE(c.total, 0) DESC, f.queue_name, f.id
              LIMIT $4::int8 OFFSET $5::int8) p ON true`,
        [now, maxReadCt, searchOf(search), limit, offset],
      );
      return {
        matching: countOf(rows, "matching"),
        rows: rows.filter((r) => r.id !== null && r.id !== undefined).map((r) => toMetrics(r, now)),
      };
    },

    async metricsTotals({ now, maxReadCt }) {
      const rows = await conn.query(
        "metricsTotals",
        `SELECT (SELECT pg_catalog.count(*) FROM ${queues}) AS queues,
                (SELECT pg_catalog.count(*) FROM ${workflows}) AS workflows, c.*
           FROM (SELECT ${MESSAGE_COUNTS} FROM ${messages} m) c`,
        [now, maxReadCt],
      );
      const n = (k: string) => countOf(rows, k);
      return {
        queues: n("queues"),
        workflows: n("workflows"),
        activeMessages: n("total"),
        pendingMessages: n("pending"),
        delayedMessages: n("delayed"),
        leasedMessages: n("leased"),
        archivedMessages: n("archived"),
        deadLetteredMessages: n("dead"),
      };
    },

    async completedPerMinute({ since, queueIds }) {
      const minute = "pg_catalog.floor(pg_catalog.date_part('epoch', m.archived_at) / 60::float8)::int8";
      const perQueue = queueIds !== undefined;
      if (perQueue && queueIds.length === 0) return [];
      const rows = await conn.query(
        "completedPerMinute",
        perQueue
          ? `SELECT m.queue_id, ${minute} AS minute, pg_catalog.count(*) AS n FROM ${messages} m
              WHERE m.queue_id = ANY($2::int8[]) AND m.archived_at >= $1::timestamptz AND ${NOT_DEAD_ARCHIVED}
              GROUP BY 1, 2`
          : `SELECT NULL::int8 AS queue_id, ${minute} AS minute, pg_catalog.count(*) AS n FROM ${messages} m
              WHERE m.archived_at >= $1::timestamptz AND ${NOT_DEAD_ARCHIVED}
              GROUP BY 2`,
        perQueue ? [since, queueIds] : [since],
      );
      return rows.map((r) => ({
        queueId: r.queue_id === null ? null : Number(r.queue_id),
        minute: Number(r.minute),
        count: countOf([r]),
      }));
    },

    async getQueuesByIds(ids) {
      if (ids.length === 0) return [];
      const rows = await conn.query(
        "getQueuesByIds",
        `${queueWithSettings(conn)} WHERE q.id = ANY($1::int8[]) ORDER BY q.id`,
        [ids],
      );
      return rows.map(toQueue);
    },
  };
}
