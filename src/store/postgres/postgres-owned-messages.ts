/**
 * The owner-checked operations on leased messages: acknowledge (archive or delete), extend, release, and release
 * everything a worker holds. Each one is one named prepared statement whatever the number of ids, and touches only
 * the rows the calling worker still leases.
 */
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { releaseFailed } from "./postgres-release-failed.js";
import { countOf, perIdResult } from "./postgres-rows.js";

export type OwnedMessageOps = Pick<
  StoreBackend,
  "archive" | "deleteOwned" | "extendVisibility" | "release" | "releaseWorkerMessages"
>;

/** The owner-checked lease operations of one store; statements built once, here. */
export function createOwnedMessageOps(conn: PostgresConnection): OwnedMessageOps {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");

  // The owner check in the WHERE clause is re-evaluated after waiting for a concurrent claim's row lock, so an
  // owner whose expired lease was just taken by another consumer gets `false`.
  //
  // The ids drive the update through the primary key (a join with unnest): with `id = ANY(…) AND consumer = …` the
  // planner may walk the consumer's index instead and visit every message the consumer holds, which makes each
  // acknowledgement of a consumer with many units in flight cost O(held messages).
  const archiveSql = `
    UPDATE ${messages} m SET archived_at = $3
      FROM pg_catalog.unnest($1::bigint[]) AS t(id)
     WHERE m.id = t.id AND m.consumer_worker_id = $2 AND m.archived_at IS NULL
    RETURNING m.id`;

  // Runs reference their trigger message without ON DELETE CASCADE; removing the run in the same statement keeps
  // deleting a workflow message possible (steps cascade from runs).
  const deleteOwnedSql = `
    WITH d AS (
      DELETE FROM ${messages}
       WHERE id = ANY($1::bigint[]) AND consumer_worker_id = $2 AND archived_at IS NULL
      RETURNING id),
    r AS (DELETE FROM ${runs} WHERE message_id IN (SELECT id FROM d))
    SELECT id FROM d`;

  const extendSql = `
    UPDATE ${messages} SET vt = GREATEST(vt, $3) + $4::float8 * interval '1 millisecond'
     WHERE id = ANY($1::bigint[]) AND consumer_worker_id = $2 AND archived_at IS NULL
    RETURNING id`;

  const releaseSql = `
    UPDATE ${messages}
       SET consumer_worker_id = NULL, vt = $3, read_ct = CASE WHEN $4::boolean THEN GREATEST(read_ct - 1, 0) ELSE read_ct END
     WHERE id = ANY($1::bigint[]) AND consumer_worker_id = $2 AND archived_at IS NULL
    RETURNING id`;
  const releaseFailedSql = releaseFailed(conn);

  const releaseWorkerSql = `
    WITH r AS (
      UPDATE ${messages} SET consumer_worker_id = NULL, vt = $2
       WHERE consumer_worker_id = $1 AND archived_at IS NULL
      RETURNING 1)
    SELECT pg_catalog.count(*) AS n FROM r`;

  return {
    async archive(p) {
      if (p.ids.length === 0) return [];
      const rows = await conn.prepared("archive", archiveSql, [p.ids, p.workerId, p.now]);
      return perIdResult(p.ids, rows);
    },

    async deleteOwned(p) {
      if (p.ids.length === 0) return [];
      const rows = await conn.prepared("delete_owned", deleteOwnedSql, [p.ids, p.workerId]);
      return perIdResult(p.ids, rows);
    },

    async extendVisibility(p) {
      if (p.ids.length === 0) return [];
      const rows = await conn.prepared("extend", extendSql, [p.ids, p.workerId, p.now, p.extendMs]);
      return perIdResult(p.ids, rows);
    },

    async release(p) {
      if (p.ids.length === 0) return [];
      if (p.error !== undefined || p.deadLetterAtReadCt !== undefined) {
        const rows = await conn.prepared("release_failed", releaseFailedSql, [
          p.ids,
          p.workerId,
          p.visibleAt,
          p.refundDelivery === true,
          p.deadLetterAtReadCt ?? null,
          p.now,
          p.error === undefined ? null : JSON.stringify(p.error),
        ]);
        return perIdResult(
          p.ids,
          rows.filter((r) => r.kind === "message"),
        );
      }
      const rows = await conn.prepared("release", releaseSql, [
        p.ids,
        p.workerId,
        p.visibleAt,
        p.refundDelivery === true,
      ]);
      return perIdResult(p.ids, rows);
    },

    async releaseWorkerMessages(p) {
      const rows = await conn.prepared("release_worker", releaseWorkerSql, [p.workerId, p.now]);
      return countOf(rows);
    },
  };
}
