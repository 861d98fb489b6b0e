/**
 * Retention on PostgreSQL (`pgqrs_retention`, migration 0015): per-queue policies and the bounded deletes of the
 * retention sweep (store/retention-store.ts).
 *
 * A batch is one transaction: the schema's retention advisory lock (transaction-level, so it works through
 * PgBouncer in transaction mode), then ONE statement that picks at most `limit` archived messages whose period has
 * passed (`FOR UPDATE SKIP LOCKED`, walking the `(queue_id, archived_at)` / `(queue_id, dead_lettered_at)` partial
 * indexes queue by queue), deletes their finished runs (steps, run messages and events cascade) and the messages.
 * Claims read only unarchived rows, so nothing a claim locks or waits for is touched.
 */
import type { RetentionBatchParams, RetentionRow, RetentionStoreOps } from "../retention-store.js";
import type { PostgresConnection, Queryable, Row } from "./postgres-connection.js";

/** Run statuses that are over: such a run (and its message) may be deleted. */
const FINISHED = "('SUCCESS', 'ERROR', 'CANCELLED')";

/** The advisory lock key of this schema's retention batches (released at commit). */
const LOCK_KEY = "pg_catalog.hashtextextended('pgqrs_retention', pg_catalog.to_regnamespace($1)::oid::bigint)";

function toRetention(r: Row): RetentionRow {
  const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    queueId: Number(r.queue_id),
    archivedMs: ms(r.archived_ms),
    deadLettersMs: ms(r.dead_letters_ms),
    finishedRunsMs: ms(r.finished_runs_ms),
    updatedAt: r.updated_at instanceof Date ? r.updated_at : new Date(String(r.updated_at)),
  };
}

/**
 * `pol`: one row per queue in scope with the cutoff of the batch's kind (NULL: keep forever). Parameters: $1 now,
 * $2 limit, $3 queue id or NULL, $4 manual cutoff or NULL, $5..$7 the default periods (archived, dead, runs).
 */
function policySql(conn: PostgresConnection, kind: "archived" | "dead"): string {
  const wf = `EXISTS (SELECT 1 FROM ${conn.t("pgqrs_workflows")} w WHERE w.queue_id OPERATOR(pg_catalog.=) q.id)`;
  const period = (column: string, fallback: string) =>
    `CASE WHEN r.queue_id IS NULL THEN d.${fallback} ELSE r.${column} END`;
  const keep =
    kind === "dead"
      ? period("dead_letters_ms", "dead_ms")
      : `CASE WHEN ${wf} THEN ${period("finished_runs_ms", "runs_ms")} ELSE ${period("archived_ms", "archived_ms")} END`;
  // The defaults as a one-row relation, so every parameter's type is known whichever kind is used.
  return `SELECT q.id AS queue_id,
       CASE WHEN $4::timestamptz IS NOT NULL THEN $4::timestamptz
            ELSE $1::timestamptz OPERATOR(pg_catalog.-)
                 ((${keep}) OPERATOR(pg_catalog.*) interval '1 millisecond') END AS cutoff
  FROM (SELECT $5::bigint AS archived_ms, $6::bigint AS dead_ms, $7::bigint AS runs_ms) d
  CROSS JOIN ${conn.t("pgqrs_queues")} q
  LEFT JOIN ${conn.t("pgqrs_retention")} r ON r.queue_id OPERATOR(pg_catalog.=) q.id
 WHERE ($3::bigint IS NULL OR q.id OPERATOR(pg_catalog.=) $3::bigint)`;
}

function batchSql(conn: PostgresConnection, kind: "archived" | "dead"): string {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const col = kind === "dead" ? "dead_lettered_at" : "archived_at";
  const dead =
    kind === "dead"
      ? "m.dead_lettered_at OPERATOR(pg_catalog.=) m.archived_at"
      : "(m.dead_lettered_at IS NULL OR m.dead_lettered_at OPERATOR(pg_catalog.<>) m.archived_at)";
  const unfinished = (alias: string) => `${alias}.status::text NOT IN ${FINISHED}`;
  return `WITH pol AS (${policySql(conn, kind)}),
  v AS (
    SELECT x.id FROM pol CROSS JOIN LATERAL (
      SELECT m.id FROM ${messages} m
       WHERE m.queue_id OPERATOR(pg_catalog.=) pol.queue_id AND m.${col} IS NOT NULL
         AND m.archived_at IS NOT NULL AND m.${col} OPERATOR(pg_catalog.<) pol.cutoff AND ${dead}
         AND NOT EXISTS (
           SELECT 1 FROM ${runs} r
            WHERE r.message_id OPERATOR(pg_catalog.=) m.id
              AND (${unfinished("r")}
                   OR EXISTS (SELECT 1 FROM ${runs} c WHERE c.parent_run_id OPERATOR(pg_catalog.=) r.id AND ${unfinished("c")})
                   OR EXISTS (SELECT 1 FROM ${runs} f
                               WHERE f.forked_from_run_id OPERATOR(pg_catalog.=) r.id AND ${unfinished("f")})
                   OR EXISTS (SELECT 1 FROM ${runs} p WHERE p.id OPERATOR(pg_catalog.=) r.parent_run_id AND ${unfinished("p")})))
       ORDER BY m.queue_id, m.${col}
       LIMIT $2
       FOR UPDATE OF m SKIP LOCKED) x
     WHERE pol.cutoff IS NOT NULL
     LIMIT $2),
  dr AS (
    DELETE FROM ${runs} r WHERE r.message_id IN (SELECT id FROM v) AND r.status::text IN ${FINISHED} RETURNING r.id),
  dm AS (DELETE FROM ${messages} m WHERE m.id IN (SELECT id FROM v) RETURNING m.id)
  SELECT (SELECT pg_catalog.count(*) FROM dm) AS messages, (SELECT pg_catalog.count(*) FROM dr) AS runs`;
}

async function lock(tx: Queryable, conn: PostgresConnection, wait: boolean): Promise<boolean> {
  if (wait) {
    await tx.query("retentionBatch", `SELECT pg_catalog.pg_advisory_xact_lock(${LOCK_KEY})`, [conn.q]);
    return true;
  }
  const [row] = await tx.query("retentionBatch", `SELECT pg_catalog.pg_try_advisory_xact_lock(${LOCK_KEY}) AS ok`, [
    conn.q,
  ]);
  return row?.ok === true;
}

export function createRetentionOps(conn: PostgresConnection): RetentionStoreOps {
  const retention = conn.t("pgqrs_retention");
  const sql = { archived: batchSql(conn, "archived"), dead: batchSql(conn, "dead") };

  return {
    async setRetention({ queueId, archivedMs, deadLettersMs, finishedRunsMs, now }) {
      const rows = await conn.query(
        "setRetention",
        `INSERT INTO ${retention} AS t (queue_id, archived_ms, dead_letters_ms, finished_runs_ms, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (queue_id) DO UPDATE SET archived_ms = EXCLUDED.archived_ms,
           dead_letters_ms = EXCLUDED.dead_letters_ms, finished_runs_ms = EXCLUDED.finished_runs_ms,
           updated_at = EXCLUDED.updated_at
         RETURNING t.*`,
        [queueId, archivedMs, deadLettersMs, finishedRunsMs, now],
      );
      return toRetention(rows[0] as Row);
    },

    async getRetention({ queueId }) {
      const rows = await conn.query("getRetention", `SELECT * FROM ${retention} WHERE queue_id = $1`, [queueId]);
      return rows[0] === undefined ? null : toRetention(rows[0]);
    },

    async clearRetention({ queueId }) {
      const rows = await conn.query(
        "clearRetention",
        `DELETE FROM ${retention} WHERE queue_id = $1 RETURNING queue_id`,
        [queueId],
      );
      return rows.length > 0;
    },

    async retentionBatch(p: RetentionBatchParams) {
      return conn.transaction("retentionBatch", async (tx) => {
        if (!(await lock(tx, conn, p.wait))) return { messages: 0, runs: 0, busy: true };
        const [row] = await tx.query("retentionBatch", sql[p.kind], [
          p.now,
          p.limit,
          p.queueId ?? null,
          p.before ?? null,
          p.defaults.archivedMs,
          p.defaults.deadLettersMs,
          p.defaults.finishedRunsMs,
        ]);
        return { messages: Number(row?.messages ?? 0), runs: Number(row?.runs ?? 0), busy: false };
      });
    },
  };
}
