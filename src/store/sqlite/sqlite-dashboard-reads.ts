/**
 * Paged reads for dashboards: each is one statement whose result is bounded by the caller's page, so a page costs
 * the same with ten queues or ten thousand.
 */
import type { QueueMetrics, WorkflowRecord, WorkflowStatus } from "../../types.js";
import { WORKFLOW_STATUSES } from "../../types.js";
import type {
  CompletedMinute,
  CompletedPerMinuteParams,
  MetricsTotals,
  QueueMetricsPage,
  QueueMetricsPageParams,
  SearchPageParams,
  WorkerActivity,
} from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { QUEUE_COLUMNS, QUEUE_FROM, type QueueRow, toQueue, toWorkflow, type WorkflowRow } from "./sqlite-rows.js";
import { decodeTimeOrNull, encodeTime } from "./sqlite-time.js";
import { MESSAGE_COUNTS } from "./sqlite-stats.js";

/** A case-insensitive (ASCII) substring test of `column` against `@search`, or every row when it is NULL. */
const matches = (column: string) => `(@search IS NULL OR instr(lower(${column}), lower(@search)) > 0)`;

interface Counts {
  total: number;
  pending: number;
  delayed: number;
  leased: number;
  archived: number;
  dead: number;
}

interface PageRow extends Partial<Counts> {
  matching: number;
  id: number | null;
  queue_name: string | null;
  oldest_pending: string | null;
  newest: string | null;
}

function searchOf(search: string | undefined): string | null {
  return search === undefined || search === "" ? null : search;
}

/** `?, ?, …` for an id list (ids are bound, never interpolated). */
function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}

export function queueMetricsPage(c: SqliteConnection, p: QueueMetricsPageParams): QueueMetricsPage {
  // The match count comes from its own one-row side, so a page past the end still reports it.
  const rows = c.all<PageRow>(
    `WITH f AS (SELECT q.id, q.queue_name FROM pgqrs_queues q WHERE ${matches("q.queue_name")}),
          c AS (SELECT m.queue_id, ${MESSAGE_COUNTS},
                       MIN(CASE WHEN m.archived_at IS NULL AND m.vt <= @now AND m.read_ct < @maxReadCt
                                THEN m.enqueued_at END) AS oldest_pending,
                       MAX(m.enqueued_at) AS newest
                  FROM pgqrs_messages m WHERE m.queue_id IN (SELECT id FROM f) GROUP BY m.queue_id),
          p AS (SELECT f.id, f.queue_name, COALESCE(c.total, 0) AS total, COALESCE(c.pending, 0) AS pending,
                       COALESCE(c.delayed, 0) AS delayed, COALESCE(c.leased, 0) AS leased,
                       COALESCE(c.archived, 0) AS archived, COALESCE(c.dead, 0) AS dead, c.oldest_pending, c.newest
                  FROM f LEFT JOIN c ON c.queue_id = f.id
                 ORDER BY COALESCE(c.pending, 0) DESC, COALESCE(c.total, 0) DESC, f.queue_name, f.id
                 LIMIT @limit OFFSET @offset)
     SELECT n.matching, p.* FROM (SELECT COUNT(*) AS matching FROM f) n LEFT JOIN p ON 1`,
    { now: encodeTime(p.now), maxReadCt: p.maxReadCt, search: searchOf(p.search), limit: p.limit, offset: p.offset },
  );
  const metrics: QueueMetrics[] = [];
  for (const r of rows) {
    if (r.id === null || r.queue_name === null) continue;
    const oldest = decodeTimeOrNull(r.oldest_pending);
    const n = (k: keyof Counts) => r[k] ?? 0;
    metrics.push({
      name: r.queue_name,
      queueId: r.id,
      totalMessages: n("total") + n("archived"),
      activeMessages: n("total"),
      pendingMessages: n("pending"),
      delayedMessages: n("delayed"),
      leasedMessages: n("leased"),
      lockedMessages: n("leased"),
      archivedMessages: n("archived"),
      deadLetteredMessages: n("dead"),
      oldestPendingMessage: oldest,
      oldestPendingAgeMs: oldest === null ? 0 : Math.max(0, p.now.getTime() - oldest.getTime()),
      newestMessage: decodeTimeOrNull(r.newest),
    });
  }
  return { rows: metrics, matching: rows[0]?.matching ?? 0 };
}

export function metricsTotals(c: SqliteConnection, p: { now: Date; maxReadCt: number }): MetricsTotals {
  const r = c.get<Counts & { queues: number; workflows: number }>(
    `SELECT (SELECT COUNT(*) FROM pgqrs_queues) AS queues, (SELECT COUNT(*) FROM pgqrs_workflows) AS workflows, c.*
       FROM (SELECT ${MESSAGE_COUNTS} FROM pgqrs_messages m) c`,
    { now: encodeTime(p.now), maxReadCt: p.maxReadCt },
  )!;
  return {
    queues: r.queues,
    workflows: r.workflows,
    activeMessages: r.total,
    pendingMessages: r.pending,
    delayedMessages: r.delayed,
    leasedMessages: r.leased,
    archivedMessages: r.archived,
    deadLetteredMessages: r.dead,
  };
}

/** Grouped by the `YYYY-MM-DD HH:MM` prefix of the stored text (sqlite-time.ts), turned into a minute number here. */
export function completedPerMinute(c: SqliteConnection, p: CompletedPerMinuteParams): CompletedMinute[] {
  const since = encodeTime(p.since);
  const rows =
    p.queueIds === undefined
      ? c.all<{ queue_id: null; minute: string; n: number }>(
          `SELECT NULL AS queue_id, substr(archived_at, 1, 16) AS minute, COUNT(*) AS n FROM pgqrs_messages
            WHERE archived_at >= ? AND dead_lettered_at IS NOT archived_at GROUP BY 2`,
          since,
        )
      : p.queueIds.length === 0
        ? []
        : c.all<{ queue_id: number; minute: string; n: number }>(
            `SELECT queue_id, substr(archived_at, 1, 16) AS minute, COUNT(*) AS n FROM pgqrs_messages
              WHERE queue_id IN (${placeholders(p.queueIds.length)}) AND archived_at >= ?
                AND dead_lettered_at IS NOT archived_at GROUP BY 1, 2`,
            ...p.queueIds,
            since,
          );
  const out: CompletedMinute[] = [];
  for (const r of rows) {
    const ms = Date.parse(`${r.minute.slice(0, 10)}T${r.minute.slice(11, 16)}:00Z`);
    if (!Number.isNaN(ms)) out.push({ queueId: r.queue_id, minute: Math.floor(ms / 60_000), count: r.n });
  }
  return out;
}

export function getQueuesByIds(c: SqliteConnection, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return c
    .all<QueueRow>(
      `SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} WHERE q.id IN (${placeholders(ids.length)}) ORDER BY q.id`,
      ...ids,
    )
    .map(toQueue);
}

export function listWorkflowsPage(
  c: SqliteConnection,
  p: SearchPageParams,
): { rows: WorkflowRecord[]; matching: number } {
  const rows = c.all<{ matching: number } & { [K in keyof WorkflowRow]: WorkflowRow[K] | null }>(
    `WITH f AS (SELECT id, name, queue_id, created_at FROM pgqrs_workflows WHERE ${matches("name")}),
          p AS (SELECT * FROM f ORDER BY name, id LIMIT @limit OFFSET @offset)
     SELECT n.matching, p.* FROM (SELECT COUNT(*) AS matching FROM f) n LEFT JOIN p ON 1`,
    { search: searchOf(p.search), limit: p.limit, offset: p.offset },
  );
  const list: WorkflowRecord[] = [];
  for (const r of rows) {
    if (r.id === null || r.name === null || r.queue_id === null || r.created_at === null) continue;
    list.push(toWorkflow({ id: r.id, name: r.name, queue_id: r.queue_id, created_at: r.created_at }));
  }
  return { rows: list, matching: rows[0]?.matching ?? 0 };
}

export function getWorkflowsByIds(c: SqliteConnection, ids: readonly number[]): WorkflowRecord[] {
  if (ids.length === 0) return [];
  return c
    .all<WorkflowRow>(
      `SELECT id, name, queue_id, created_at FROM pgqrs_workflows WHERE id IN (${placeholders(ids.length)}) ORDER BY id`,
      ...ids,
    )
    .map(toWorkflow);
}

export function countRunsByStatus(c: SqliteConnection, p: { workflowId?: number }): Record<WorkflowStatus, number> {
  const rows = c.all<{ status: string; n: number }>(
    `SELECT status, COUNT(*) AS n FROM pgqrs_workflow_runs WHERE (@workflowId IS NULL OR workflow_id = @workflowId)
      GROUP BY status`,
    { workflowId: p.workflowId ?? null },
  );
  const counts = Object.fromEntries(WORKFLOW_STATUSES.map((s) => [s, 0])) as Record<WorkflowStatus, number>;
  for (const r of rows) {
    const status = WORKFLOW_STATUSES.find((s) => s === r.status);
    if (status !== undefined) counts[status] = r.n;
  }
  return counts;
}

/** The predicate of `listZombies` (sqlite-zombies.ts) over `w`; a conformance test keeps the two in step. */
const ZOMBIE = "w.status <> 'stopped' AND w.background_heartbeat_since = w.started_at AND w.heartbeat_at < @olderThan";

export function countZombies(c: SqliteConnection, p: { olderThan: Date }): number {
  return c.get<{ n: number }>(`SELECT COUNT(*) AS n FROM pgqrs_workers w WHERE ${ZOMBIE}`, {
    olderThan: encodeTime(p.olderThan),
  })!.n;
}

export function workerActivity(
  c: SqliteConnection,
  p: { workerIds: readonly number[]; olderThan: Date },
): WorkerActivity[] {
  if (p.workerIds.length === 0) return [];
  const params: Record<string, string | number> = { olderThan: encodeTime(p.olderThan) };
  p.workerIds.forEach((id, i) => {
    params[`w${i}`] = id;
  });
  const ids = p.workerIds.map((_, i) => `@w${i}`).join(", ");
  const rows = c.all<{ id: number; zombie: number; held: number }>(
    `SELECT w.id, (${ZOMBIE}) AS zombie,
            (SELECT COUNT(*) FROM pgqrs_messages m WHERE m.consumer_worker_id = w.id AND m.archived_at IS NULL) AS held
       FROM pgqrs_workers w WHERE w.id IN (${ids}) ORDER BY w.id`,
    params,
  );
  return rows.map((r) => ({ workerId: r.id, heldMessages: r.held, zombie: r.zombie === 1 }));
}
