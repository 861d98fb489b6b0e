/**
 * Retention on SQLite (`pgqrs_retention`, migration 0012): per-queue policies and the bounded deletes of the
 * retention sweep (store/retention-store.ts). One process writes a SQLite file at a time (`BEGIN IMMEDIATE`), so a
 * batch needs no lock of its own: it is one write transaction that walks the `(queue_id, archived_at)` partial
 * index queue by queue, deleting at most `limit` messages with their finished runs (steps, run messages and events
 * cascade from the runs).
 */
import type { RetentionBatchParams, RetentionBatchResult, RetentionRow } from "../retention-store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { decodeTime, encodeTime } from "./sqlite-time.js";

const FINISHED = "('SUCCESS', 'ERROR', 'CANCELLED')";

interface RetentionDbRow {
  queue_id: number;
  archived_ms: number | null;
  dead_letters_ms: number | null;
  finished_runs_ms: number | null;
  updated_at: string;
}

function toRetention(r: RetentionDbRow): RetentionRow {
  return {
    queueId: Number(r.queue_id),
    archivedMs: r.archived_ms === null ? null : Number(r.archived_ms),
    deadLettersMs: r.dead_letters_ms === null ? null : Number(r.dead_letters_ms),
    finishedRunsMs: r.finished_runs_ms === null ? null : Number(r.finished_runs_ms),
    updatedAt: decodeTime(r.updated_at),
  };
}

export function setRetention(
  c: SqliteConnection,
  p: {
    queueId: number;
    archivedMs: number | null;
    deadLettersMs: number | null;
    finishedRunsMs: number | null;
    now: Date;
  },
): RetentionRow {
  const row = c.get<RetentionDbRow>(
    `INSERT INTO pgqrs_retention (queue_id, archived_ms, dead_letters_ms, finished_runs_ms, updated_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (queue_id) DO UPDATE SET archived_ms = excluded.archived_ms,
       dead_letters_ms = excluded.dead_letters_ms, finished_runs_ms = excluded.finished_runs_ms,
       updated_at = excluded.updated_at
     RETURNING *`,
    p.queueId,
    p.archivedMs,
    p.deadLettersMs,
    p.finishedRunsMs,
    encodeTime(p.now),
  );
  return toRetention(row as RetentionDbRow);
}

export function getRetention(c: SqliteConnection, p: { queueId: number }): RetentionRow | null {
  const row = c.get<RetentionDbRow>("SELECT * FROM pgqrs_retention WHERE queue_id = ?", p.queueId);
  return row === undefined ? null : toRetention(row);
}

export function clearRetention(c: SqliteConnection, p: { queueId: number }): boolean {
  return c.run("DELETE FROM pgqrs_retention WHERE queue_id = ?", p.queueId) > 0;
}

interface PolicyRow extends Omit<RetentionDbRow, "updated_at" | "queue_id"> {
  id: number;
  has_row: number;
  is_workflow: number;
}

const POLICIES_SQL = `SELECT q.id, r.queue_id IS NOT NULL AS has_row, r.archived_ms, r.dead_letters_ms, r.finished_runs_ms,
  EXISTS (SELECT 1 FROM pgqrs_workflows w WHERE w.queue_id = q.id) AS is_workflow
FROM pgqrs_queues q LEFT JOIN pgqrs_retention r ON r.queue_id = q.id
WHERE (@queueId IS NULL OR q.id = @queueId)
ORDER BY q.id`;

function unfinished(alias: string): string {
  return `${alias}.status NOT IN ${FINISHED}`;
}

function victimsSql(kind: "archived" | "dead"): string {
  const col = kind === "dead" ? "dead_lettered_at" : "archived_at";
  const dead =
    kind === "dead"
      ? "m.dead_lettered_at = m.archived_at"
      : "(m.dead_lettered_at IS NULL OR m.dead_lettered_at <> m.archived_at)";
  return `SELECT m.id FROM pgqrs_messages m
WHERE m.queue_id = @queueId AND m.${col} IS NOT NULL AND m.archived_at IS NOT NULL AND m.${col} < @cutoff AND ${dead}
  AND NOT EXISTS (
    SELECT 1 FROM pgqrs_workflow_runs r
     WHERE r.message_id = m.id
       AND (${unfinished("r")}
            OR EXISTS (SELECT 1 FROM pgqrs_workflow_runs c WHERE c.parent_run_id = r.id AND ${unfinished("c")})
            OR EXISTS (SELECT 1 FROM pgqrs_workflow_runs f WHERE f.forked_from_run_id = r.id AND ${unfinished("f")})
            OR EXISTS (SELECT 1 FROM pgqrs_workflow_runs p WHERE p.id = r.parent_run_id AND ${unfinished("p")})))
ORDER BY m.queue_id, m.${col}
LIMIT @limit`;
}

const VICTIMS = { archived: victimsSql("archived"), dead: victimsSql("dead") };

/** The period of this kind for a queue (ms), `null` to keep forever. */
function keepMs(p: RetentionBatchParams, q: PolicyRow): number | null {
  const has = q.has_row === 1;
  if (p.kind === "dead") return has ? q.dead_letters_ms : p.defaults.deadLettersMs;
  if (q.is_workflow === 1) return has ? q.finished_runs_ms : p.defaults.finishedRunsMs;
  return has ? q.archived_ms : p.defaults.archivedMs;
}

export function retentionBatch(c: SqliteConnection, p: RetentionBatchParams): RetentionBatchResult {
  return c.immediate(() => {
    const ids: number[] = [];
    for (const q of c.all<PolicyRow>(POLICIES_SQL, { queueId: p.queueId ?? null })) {
      const remaining = p.limit - ids.length;
      if (remaining <= 0) break;
      let cutoff: Date;
      if (p.before !== undefined) {
        cutoff = p.before;
      } else {
        const keep = keepMs(p, q);
        if (keep === null) continue;
        cutoff = new Date(Math.max(0, p.now.getTime() - keep));
      }
      const rows = c.all<{ id: number }>(VICTIMS[p.kind], {
        queueId: q.id,
        cutoff: encodeTime(cutoff),
        limit: remaining,
      });
      for (const r of rows) ids.push(r.id);
    }
    if (ids.length === 0) return { messages: 0, runs: 0, busy: false };
    const json = JSON.stringify(ids);
    const runs = c.run(
      `DELETE FROM pgqrs_workflow_runs WHERE message_id IN (SELECT value FROM json_each(?)) AND status IN ${FINISHED}`,
      json,
    );
    const messages = c.run("DELETE FROM pgqrs_messages WHERE id IN (SELECT value FROM json_each(?))", json);
    return { messages, runs, busy: false };
  });
}
