/**
 * Queue settings (`pgqrs_queue_settings`, one row per queue that has any): the statements that create a queue with
 * its settings, change them, and read a queue with them.
 */
import type { QueueSettingsOptions } from "../../queue-controls-types.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { cols } from "./postgres-rows.js";

/** `SELECT` of queues (alias `q`) with their settings (alias `s`, NULL columns when none); append a WHERE/ORDER. */
export function queueWithSettings(conn: PostgresConnection): string {
  return `SELECT ${cols.queue("q")}, ${cols.queueSettings("s")}
    FROM ${conn.t("pgqrs_queues")} q LEFT JOIN ${conn.t("pgqrs_queue_settings")} s ON s.queue_id = q.id`;
}

/**
 * The settings as statement values: `values` ($retry jsonb, $concurrency int, $rate max int, $rate per ms int8;
 * NULL when unset or cleared) and `given` (one flag per field: the caller set it, possibly to null). `any`: some
 * field has a non-null value.
 */
export function queueSettingsValues(s: QueueSettingsOptions): { values: unknown[]; given: boolean[]; any: boolean } {
  const rate = s.rateLimit ?? null;
  const values = [
    s.retry === undefined || s.retry === null ? null : JSON.stringify(s.retry),
    s.concurrencyLimit ?? null,
    rate === null ? null : rate.max,
    rate === null ? null : Math.round(rate.perSeconds * 1000),
  ];
  return {
    values,
    given: [s.retry !== undefined, s.concurrencyLimit !== undefined, s.rateLimit !== undefined],
    any: values.some((v) => v !== null),
  };
}

/**
 * Insert a queue and, when any setting is non-null, its settings row, in one statement ($1 name, $2 now, $3..$6 the
 * settings values). Returns the queue with its settings; nothing when the name exists (committed). A taken name
 * inserts no row, so it draws no id from the sequence (an id is drawn per inserted row): a refused duplicate leaves
 * no gap in the queue ids, as on SQLite. Only a creator racing another's uncommitted insert of the same name still
 * draws one (the unique index refuses it, or with `ifNotExists` ON CONFLICT skips it).
 */
export function createQueueSql(conn: PostgresConnection, ifNotExists: boolean): string {
  const queues = conn.t("pgqrs_queues");
  return `
    WITH q AS (
      INSERT INTO ${queues} (queue_name, created_at)
      SELECT $1::varchar, $2::timestamptz
       WHERE NOT EXISTS (SELECT 1 FROM ${queues} WHERE queue_name OPERATOR(pg_catalog.=) $1::varchar)
      ${ifNotExists ? "ON CONFLICT (queue_name) DO NOTHING" : ""}
      RETURNING ${cols.queue()}),
    s AS (
      INSERT INTO ${conn.t("pgqrs_queue_settings")} (queue_id, retry, concurrency_limit, rate_max, rate_per_ms, updated_at)
      SELECT q.id, $3::jsonb, $4::int, $5::int, $6::int8, $2 FROM q
       WHERE $3::jsonb IS NOT NULL OR $4::int IS NOT NULL OR $5::int IS NOT NULL
      RETURNING ${cols.queueSettings()})
    SELECT ${cols.queue("q")}, ${cols.queueSettings("s")} FROM q LEFT JOIN s ON TRUE`;
}

/**
 * Upsert a queue's settings ($1 queue id, $2 now, $3..$6 values, $7..$9 whether retry, concurrency and rate were
 * given): a field not given keeps its stored value. The rate log is kept while a rate limit is set (claims already
 * made still count against a changed limit) and emptied when it is cleared. Returns the queue with its new settings; nothing when the queue does not exist. Concurrent updates
 * of one queue serialise on the settings row (ON CONFLICT DO UPDATE locks it and re-reads its latest version), so
 * each keeps the fields the other set.
 */
export function updateQueueSettingsSql(conn: PostgresConnection): string {
  return `
    WITH q AS (SELECT ${cols.queue()} FROM ${conn.t("pgqrs_queues")} WHERE id = $1),
    u AS (
      INSERT INTO ${conn.t("pgqrs_queue_settings")} AS s (queue_id, retry, concurrency_limit, rate_max, rate_per_ms,
                                                        updated_at)
      SELECT q.id, $3::jsonb, $4::int, $5::int, $6::int8, $2 FROM q
      ON CONFLICT (queue_id) DO UPDATE
         SET retry = CASE WHEN $7::boolean THEN excluded.retry ELSE s.retry END,
             concurrency_limit = CASE WHEN $8::boolean THEN excluded.concurrency_limit ELSE s.concurrency_limit END,
             rate_max = CASE WHEN $9::boolean THEN excluded.rate_max ELSE s.rate_max END,
             rate_per_ms = CASE WHEN $9::boolean THEN excluded.rate_per_ms ELSE s.rate_per_ms END,
             rate_log = CASE WHEN $9::boolean AND excluded.rate_max IS NULL THEN '[]'::jsonb ELSE s.rate_log END,
             updated_at = excluded.updated_at
      RETURNING ${cols.queueSettings("s")})
    SELECT ${cols.queue("q")}, ${cols.queueSettings("u")} FROM q LEFT JOIN u ON TRUE`;
}
