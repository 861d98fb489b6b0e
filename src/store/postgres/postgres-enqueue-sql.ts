/**
 * The enqueue statements: the plain insert of one or many payloads, the same behind the ordered group's lock, the
 * group commit of several callers' rows, and the dedup insert. Every one returns the new ids and notifies idle
 * consumers; postgres-enqueue.ts picks one per call.
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";
import { cols } from "./postgres-rows.js";

/** The statement texts of one store's enqueue, built once (see {@link enqueueStatements}). */
export interface EnqueueStatements {
  /**
   * One payload: $1 queue, $2 payload, $3 enqueued at, $4 visible at, $5 producer, $6 origin suffix, $7 priority,
   * $8 group key (NULL: no group), $9 headers.
   */
  readonly enqueueOneSql: string;
  /** Many payloads: as {@link EnqueueStatements.enqueueOneSql}, with $2 the payloads' array. */
  readonly enqueueManySql: string;
  /** One payload with a group key ($8): the group's lock first. */
  readonly enqueueOneGroupedSql: string;
  /** Many payloads with a group key ($8): the group's lock first. */
  readonly enqueueManyGroupedSql: string;
  /**
   * Group commit: $1 queue, $5 producer, $6 origin suffix; one array element per row in $2 payloads, $3 enqueued
   * ats, $4 visible ats, $7 priorities, $8 headers. Never a group key.
   */
  readonly enqueueRowsSql: string;
  /** One payload, as {@link EnqueueStatements.enqueueOneGroupedSql}; $10 dedup key, $11 the window's start or NULL. */
  readonly enqueueDedupSql: string;
}

/** The enqueue statements of the store on `conn`. */
export function enqueueStatements(conn: PostgresConnection): EnqueueStatements {
  const messages = conn.t("pgqrs_messages");
  // Ordered groups need ids drawn in commit order within a group: were a producer to commit id 10 after another
  // committed id 11 of the same group, a claimer could lease 11 as the head and then 10 too. So an insert with a
  // group key ($8) first takes a transaction-scoped advisory lock of (queue, group) and draws its ids only then; a
  // second producer of the group waits for the first one's commit (an outbox `tx` holds it until the
  // application's commit). A CTE that yields no row when there is no group key; the insert joins it first.
  const groupLock = `l AS MATERIALIZED (
      SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended($8::text, $1::bigint)) AS locked
        FROM (SELECT 1) one WHERE $8::text IS NOT NULL)`;

  // The enqueue wakes idle consumers itself: one NOTIFY per statement (an InitPlan, evaluated once whatever the
  // number of rows), delivered by the server at commit. A trigger did this before (migration 0004) but cost a
  // third of a single enqueue; the statement only returns the ids, since every other column is known here.
  // $6 is the origin suffix: this store's tag, or '' (every listener wakes, this store's too) for `tx` enqueues,
  // whose commit happens after this call returns.
  const notify = `(SELECT pg_catalog.pg_notify('${enqueueChannel(conn.schema)}', $1::bigint::text || $6::text)) AS notified`;
  const enqueueOneSql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    VALUES ($1, $2::jsonb, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb)
    RETURNING id, ${notify}`;
  const enqueueManySql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    SELECT $1, p.payload, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb
      FROM pg_catalog.unnest($2::jsonb[]) WITH ORDINALITY AS p(payload, ord)
     ORDER BY p.ord
    RETURNING id, ${notify}`;

  // With a group key ($8): the group's lock first (see `groupLock`), then the rows, so ids within a group are drawn
  // in commit order. Separate statements: enqueues without a group key never pay for the lock.
  const enqueueOneGroupedSql = `
    WITH ${groupLock}
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    SELECT $1, $2::jsonb, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb FROM (SELECT 1) one LEFT JOIN l ON TRUE
    RETURNING id, ${notify}`;
  const enqueueManyGroupedSql = `
    WITH ${groupLock}
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                             headers)
    SELECT $1, p.payload, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb
      FROM (SELECT 1) one LEFT JOIN l ON TRUE
           CROSS JOIN pg_catalog.unnest($2::jsonb[]) WITH ORDINALITY AS p(payload, ord)
     ORDER BY p.ord
    RETURNING id, ${notify}`;

  // Group commit (`EnqueueParams.rows`): several callers' messages, each with its own times, priority and headers,
  // in one statement and so one commit. Never a group key, so no group lock.
  const enqueueRowsSql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, headers)
    SELECT $1, r.payload, 0, r.enqueued_at, r.vt, $5, r.priority, r.headers
      FROM ROWS FROM (pg_catalog.unnest($2::jsonb[]), pg_catalog.unnest($3::timestamptz[]),
                      pg_catalog.unnest($4::timestamptz[]), pg_catalog.unnest($7::int[]),
                      pg_catalog.unnest($8::jsonb[]))
           WITH ORDINALITY AS r(payload, enqueued_at, vt, priority, headers, ord)
     ORDER BY r.ord
    RETURNING id, ${notify}`;

  // A dedup enqueue ($10 key, $11 the window's start or NULL). Race-free: the partial unique index on (queue_id,
  // dedup_key) WHERE archived_at IS NULL admits one unarchived row per key; ON CONFLICT DO NOTHING makes a second
  // inserter wait for the first one's transaction and then skip. `f` returns the existing row when the insert did
  // nothing: the unarchived one, else (with a window) the latest archived within it. A row committed after this
  // statement's snapshot is invisible to `f`, so the caller repeats the statement (a new snapshot) when neither came
  // back; so does a row archived in between (the next insert then succeeds).
  const enqueueDedupSql = `
    WITH ${groupLock},
    i AS (
      INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority, group_key,
                               headers, dedup_key)
      SELECT $1, $2::jsonb, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb, $10::text FROM (SELECT 1) one LEFT JOIN l ON TRUE
       WHERE $11::timestamptz IS NULL OR NOT EXISTS (
               SELECT 1 FROM ${messages}
                WHERE queue_id = $1 AND dedup_key OPERATOR(pg_catalog.=) $10::text AND archived_at >= $11::timestamptz)
      ON CONFLICT (queue_id, dedup_key) WHERE archived_at IS NULL AND dedup_key IS NOT NULL DO NOTHING
      RETURNING id, ${notify}),
    f AS (
      SELECT ${cols.message()} FROM ${messages}
       WHERE queue_id = $1 AND dedup_key OPERATOR(pg_catalog.=) $10::text
         AND (archived_at IS NULL OR archived_at >= $11::timestamptz)
         AND NOT EXISTS (SELECT 1 FROM i)
       ORDER BY archived_at DESC NULLS FIRST
       LIMIT 1)
    SELECT i.id AS new_id, ${cols.message("f")} FROM (SELECT 1) one LEFT JOIN i ON TRUE LEFT JOIN f ON TRUE`;

  return {
    enqueueOneSql,
    enqueueManySql,
    enqueueOneGroupedSql,
    enqueueManyGroupedSql,
    enqueueRowsSql,
    enqueueDedupSql,
  };
}
