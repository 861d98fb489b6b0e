/** The message hot paths: enqueue, claim, and the owner-checked archive/delete/extend/release. */

import type {
  ArchiveAndDequeueParams,
  ArchiveAndDequeueResult,
  ExtendParams,
  OwnedIdsParams,
  ReleaseParams,
} from "../store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { dequeue } from "./sqlite-claim.js";
import { failRunsOfDeadMessages } from "./sqlite-message-queries.js";
import { perIdResult } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

export { DEQUEUE_SQL, dequeue } from "./sqlite-claim.js";
export { enqueue } from "./sqlite-enqueue.js";

const OWNED = "id IN (SELECT value FROM json_each(@ids)) AND consumer_worker_id = @workerId AND archived_at IS NULL";

export function archive(c: SqliteConnection, p: OwnedIdsParams): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(`UPDATE pgqrs_messages SET archived_at = @now WHERE ${OWNED} RETURNING id`, {
    ids: JSON.stringify(p.ids),
    workerId: p.workerId,
    now: encodeTime(p.now),
  });
  return perIdResult(p.ids, rows);
}

/**
 * Archive then claim under one write transaction. The archive runs first, so the archived rows are no longer
 * claimable (`archived_at IS NULL` fails) and the claim cannot hand one of them back.
 */
export function archiveAndDequeue(c: SqliteConnection, p: ArchiveAndDequeueParams): ArchiveAndDequeueResult {
  if (p.archiveIds.length === 0) return { archived: [], messages: dequeue(c, p) };
  return c.immediate(() => {
    const archived = archive(c, { ids: p.archiveIds, workerId: p.workerId, now: p.now });
    return { archived, messages: dequeue(c, p) };
  });
}

/** Runs and steps of the deleted messages go with them (ON DELETE CASCADE). */
export function deleteOwned(c: SqliteConnection, p: OwnedIdsParams): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(`DELETE FROM pgqrs_messages WHERE ${OWNED} RETURNING id`, {
    ids: JSON.stringify(p.ids),
    workerId: p.workerId,
  });
  return perIdResult(p.ids, rows);
}

/**
 * `vt = max(vt, now) + extendMs`. The per-row sum is done by strftime('%f'), which keeps milliseconds (datetime()
 * would truncate to seconds); `@nowPlus` is `now + extendMs`, precomputed for rows whose lease already ended.
 */
export function extendVisibility(c: SqliteConnection, p: ExtendParams): boolean[] {
  if (p.ids.length === 0) return [];
  const rows = c.all<{ id: number }>(
    `UPDATE pgqrs_messages
     SET vt = CASE WHEN vt > @now THEN strftime('%Y-%m-%d %H:%M:%f', vt, @modifier) || '000' ELSE @nowPlus END
     WHERE ${OWNED} RETURNING id`,
    {
      ids: JSON.stringify(p.ids),
      workerId: p.workerId,
      now: encodeTime(p.now),
      nowPlus: encodeTime(new Date(p.now.getTime() + p.extendMs)),
      modifier: `${p.extendMs >= 0 ? "+" : "-"}${(Math.abs(p.extendMs) / 1000).toFixed(3)} seconds`,
    },
  );
  return perIdResult(p.ids, rows);
}

/** `last_error` keeps its value unless an error is given (`COALESCE`). */
const RELEASE_SQL = `UPDATE pgqrs_messages
    SET consumer_worker_id = NULL, vt = @visibleAt,
        read_ct = CASE WHEN @refund = 1 THEN MAX(read_ct - 1, 0) ELSE read_ct END,
        last_error = COALESCE(@error, last_error)
  WHERE ${OWNED} RETURNING id`;

/*
 * The release of a failed delivery that may be its last (`deadLetterAtReadCt`): each row either goes back at
 * `visibleAt` or, at the limit, is dead-lettered (archived_at = dead_lettered_at = now, holder and vt kept as an
 * archive keeps them), both with the error. SET expressions read the row as it was. A refunded delivery was no
 * failure, so it never dead-letters.
 */
const DEAD_AT = "(@refund = 0 AND read_ct >= @deadAt)";
const RELEASE_OR_DEAD_LETTER_SQL = `UPDATE pgqrs_messages
    SET consumer_worker_id = CASE WHEN ${DEAD_AT} THEN consumer_worker_id END,
        vt = CASE WHEN ${DEAD_AT} THEN vt ELSE @visibleAt END,
        read_ct = CASE WHEN @refund = 1 THEN MAX(read_ct - 1, 0) ELSE read_ct END,
        archived_at = CASE WHEN ${DEAD_AT} THEN @now END,
        dead_lettered_at = CASE WHEN ${DEAD_AT} THEN @now ELSE dead_lettered_at END,
        last_error = COALESCE(@error, last_error)
  WHERE ${OWNED} RETURNING id, archived_at IS NOT NULL AS dead`;

export function release(c: SqliteConnection, p: ReleaseParams): boolean[] {
  if (p.ids.length === 0) return [];
  const params = {
    ids: JSON.stringify(p.ids),
    workerId: p.workerId,
    visibleAt: encodeTime(p.visibleAt),
    refund: p.refundDelivery === true ? 1 : 0,
    error: p.error === undefined ? null : JSON.stringify(p.error),
  };
  if (p.deadLetterAtReadCt === undefined) return perIdResult(p.ids, c.all<{ id: number }>(RELEASE_SQL, params));
  const deadAt = p.deadLetterAtReadCt;
  const now = encodeTime(p.now);
  // One transaction: the dead-lettered messages' unfinished runs fail with them, as `deadLetter` does.
  return c.immediate(() => {
    const rows = c.all<{ id: number; dead: number }>(RELEASE_OR_DEAD_LETTER_SQL, { ...params, deadAt, now });
    const dead = rows.filter((r) => r.dead === 1).map((r) => r.id);
    if (dead.length > 0) failRunsOfDeadMessages(c, dead, now, deadAt);
    return perIdResult(p.ids, rows);
  });
}

export function releaseWorkerMessages(c: SqliteConnection, p: { workerId: number; now: Date }): number {
  return c.run(
    "UPDATE pgqrs_messages SET consumer_worker_id = NULL, vt = ? WHERE consumer_worker_id = ? AND archived_at IS NULL",
    encodeTime(p.now),
    p.workerId,
  );
}
