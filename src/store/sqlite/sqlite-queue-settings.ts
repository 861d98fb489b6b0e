/**
 * Queue settings (issue 17): one `pgqrs_queue_settings` row per queue that has any (retry policy, concurrency
 * limit, rate limit), none otherwise. Written by createQueue and updateQueueSettings; read joined to the queue.
 */
import type { QueueSettingsOptions } from "../../queue-controls-types.js";
import type { QueueRecord } from "../../types.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { QUEUE_COLUMNS, QUEUE_FROM, type QueueRow, toQueue } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

/** The settings columns as stored; `rate_per_ms` is `perSeconds` in ms. */
interface SettingsValues {
  retry: string | null;
  concurrency_limit: number | null;
  rate_max: number | null;
  rate_per_ms: number | null;
}

const NONE: SettingsValues = { retry: null, concurrency_limit: null, rate_max: null, rate_per_ms: null };

/** `base` with the given fields changed (left out: kept; `null`: cleared). */
function merged(base: SettingsValues, s: QueueSettingsOptions): SettingsValues {
  const out = { ...base };
  if (s.retry !== undefined) out.retry = s.retry === null ? null : JSON.stringify(s.retry);
  if (s.concurrencyLimit !== undefined) out.concurrency_limit = s.concurrencyLimit;
  if (s.rateLimit !== undefined) {
    out.rate_max = s.rateLimit === null ? null : s.rateLimit.max;
    out.rate_per_ms = s.rateLimit === null ? null : Math.round(s.rateLimit.perSeconds * 1000);
  }
  return out;
}

function isEmpty(v: SettingsValues): boolean {
  return v.retry === null && v.concurrency_limit === null && v.rate_max === null;
}

/**
 * Write the queue's settings row as `v` (deleted when every setting is unset). The rate log is kept while a rate
 * limit stays set: claims already made still count in their window.
 */
function writeSettings(c: SqliteConnection, queueId: number, v: SettingsValues, now: Date): void {
  if (isEmpty(v)) {
    c.run("DELETE FROM pgqrs_queue_settings WHERE queue_id = ?", queueId);
    return;
  }
  c.run(
    `INSERT INTO pgqrs_queue_settings (queue_id, retry, concurrency_limit, rate_max, rate_per_ms, updated_at)
     VALUES (@queueId, @retry, @concurrency_limit, @rate_max, @rate_per_ms, @now)
     ON CONFLICT (queue_id) DO UPDATE SET retry = excluded.retry, concurrency_limit = excluded.concurrency_limit,
       rate_max = excluded.rate_max, rate_per_ms = excluded.rate_per_ms, updated_at = excluded.updated_at,
       rate_log = CASE WHEN excluded.rate_max IS NULL THEN '[]' ELSE rate_log END`,
    { queueId, ...v, now: encodeTime(now) },
  );
}

/** Settings given at createQueue, on the queue just inserted (inside the caller's transaction). */
export function insertSettings(c: SqliteConnection, queueId: number, s: QueueSettingsOptions, now: Date): void {
  const v = merged(NONE, s);
  if (!isEmpty(v)) writeSettings(c, queueId, v, now);
}

export function readQueue(c: SqliteConnection, queueId: number): QueueRecord | null {
  const row = c.get<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} WHERE q.id = ?`, queueId);
  return row === undefined ? null : toQueue(row);
}

export function updateQueueSettings(
  c: SqliteConnection,
  p: { queueId: number; settings: QueueSettingsOptions; now: Date },
): QueueRecord | null {
  return c.immediate(() => {
    const current = c.get<SettingsValues & { id: number }>(
      `SELECT q.id, s.retry, s.concurrency_limit, s.rate_max, s.rate_per_ms FROM ${QUEUE_FROM} WHERE q.id = ?`,
      p.queueId,
    );
    if (current === undefined) return null;
    const { id: _id, ...base } = current;
    writeSettings(c, p.queueId, merged(base, p.settings), p.now);
    return readQueue(c, p.queueId);
  });
}
