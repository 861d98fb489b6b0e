/**
 * The hot message path: enqueue, claim (dequeue) and the owner-checked lease operations. Every operation is one
 * named prepared statement, one round trip, whatever the batch size.
 */
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { leasedInsertMessage, leasedInsertSql, leasedInsertValues } from "./postgres-leased-insert.js";
import { enqueueChannel } from "./postgres-listener.js";
import { byEnqueuedThenId, cols, countOf, perIdResult, toMessage } from "./postgres-rows.js";

export type MessageLeaseOps = Pick<
  StoreBackend,
  | "enqueue"
  | "dequeue"
  | "archive"
  | "archiveAndDequeue"
  | "deleteOwned"
  | "extendVisibility"
  | "release"
  | "releaseWorkerMessages"
>;

/** Makes the statement's transaction commit without waiting for its WAL flush (`sc` must join the statement). */
export const asyncCommit = "sc AS MATERIALIZED (SELECT pg_catalog.set_config('synchronous_commit', 'off', true))";

/**
 * The claim (see `dequeueSql`): $1 queue, $2 now, $3 maxReadCt, $4 limit, $5 lease end, $6 worker. Needs
 * {@link asyncCommit} in its WITH clause. `filter`: more conditions on the candidate rows (` AND …`).
 */
export function claimUpdate(messages: string, filter = ""): string {
  // The claimed ids come from an ARRAY(…) sub-select, which the planner always runs once (an InitPlan). As a joined
  // sub-select it could be rescanned once per message row under a plan cached while the table looked empty
  // (VACUUM on an empty table, then idle claims): each rescan skipped the rows the statement had just locked and
  // returned the next ones, so one claim of 10 leased a whole backlog, in quadratic time.
  return `UPDATE ${messages} m
       SET read_ct = m.read_ct + 1,
           vt = $5,
           consumer_worker_id = $6,
           dequeued_at = COALESCE(m.dequeued_at, $2)
      FROM sc
     WHERE m.id = ANY (ARRAY(
             SELECT id FROM ${messages}
              WHERE queue_id = $1 AND archived_at IS NULL AND vt <= $2 AND read_ct < $3${filter}
              ORDER BY enqueued_at, id
              LIMIT $4
              FOR NO KEY UPDATE SKIP LOCKED))
    RETURNING ${cols.message("m")}`;
}

/** `origin`: the tag appended to this store's enqueue notifications (see `notifyOrigin`). */
export function createMessageLeaseOps(conn: PostgresConnection, origin = ""): MessageLeaseOps {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");

  // The enqueue wakes idle consumers itself: one NOTIFY per statement (an InitPlan, evaluated once whatever the
  // number of rows), delivered by the server at commit. A trigger did this before (migration 0004) but cost a
  // third of a single enqueue; the statement only returns the ids, since every other column is known here.
  const originSuffix = origin === "" ? "" : `@${origin}`;
  const notify = `(SELECT pg_catalog.pg_notify('${enqueueChannel(conn.schema)}', $1::bigint::text || $6::text)) AS notified`;
  const enqueueOneSql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id)
    VALUES ($1, $2::jsonb, 0, $3, $4, $5)
    RETURNING id, ${notify}`;
  const enqueueLeasedSql = leasedInsertSql(conn);
  const enqueueManySql = `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id)
    SELECT $1, p.payload, 0, $3, $4, $5
      FROM pg_catalog.unnest($2::jsonb[]) WITH ORDINALITY AS p(payload, ord)
     ORDER BY p.ord
    RETURNING id, ${notify}`;

  // Concurrent consumers: SKIP LOCKED makes each claimer pass over rows another claimer has locked instead of
  // waiting, and the re-check the row lock does on a row updated since our snapshot drops rows just leased by a
  // committed claim (their vt moved past now), so no row is handed to two consumers while its lease holds. The lock
  // is NO KEY UPDATE (the key is not changed): a FOR UPDATE lock also blocks the foreign-key check of a run being
  // inserted for the message elsewhere, whose row the workflow claim's own run insert then waits for (a deadlock).
  //
  // A claim is redoable: if the server crashes before its commit reaches disk, the messages are simply claimable
  // again, as after an expired lease (at-least-once delivery either way). So it commits asynchronously, saving a WAL
  // flush on the pickup path; an acknowledgement (a synchronous commit) flushes it along with itself.
  const dequeueSql = `
    WITH ${asyncCommit}
    ${claimUpdate(messages)}`;

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

  // The acknowledgement of a single-message loop and its next claim share one round trip. Both CTEs run in one
  // statement (one snapshot): the claim excludes the ids being archived, whose rows the snapshot still shows
  // unarchived (one of our own expired leases would otherwise be claimed and updated twice in one statement).
  // The LEFT JOIN on a one-row relation returns the archived ids even when nothing was claimed; only the first row
  // carries them (parsing the array once per row was a visible share of a batch loop's CPU).
  const archiveAndDequeueSql = `
    WITH a AS (
      UPDATE ${messages} am SET archived_at = $2
        FROM pg_catalog.unnest($7::bigint[]) AS t(id)
       WHERE am.id = t.id AND am.consumer_worker_id = $6 AND am.archived_at IS NULL
      RETURNING am.id),
    c AS MATERIALIZED (
      SELECT id FROM ${messages}
       WHERE queue_id = $1 AND archived_at IS NULL AND vt <= $2 AND read_ct < $3 AND id <> ALL($7::bigint[])
       ORDER BY enqueued_at, id
       LIMIT $4
       FOR NO KEY UPDATE SKIP LOCKED),
    u AS (
      UPDATE ${messages} m
         SET read_ct = m.read_ct + 1,
             vt = $5,
             consumer_worker_id = $6,
             dequeued_at = COALESCE(m.dequeued_at, $2)
        FROM c
       WHERE m.id = c.id
      RETURNING ${cols.message("m")})
    SELECT CASE WHEN pg_catalog.row_number() OVER () = 1 THEN (SELECT pg_catalog.array_agg(id) FROM a) END AS archived_ids, u.*
      FROM (SELECT 1) one LEFT JOIN u ON TRUE`;

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

  const releaseWorkerSql = `
    WITH r AS (
      UPDATE ${messages} SET consumer_worker_id = NULL, vt = $2
       WHERE consumer_worker_id = $1 AND archived_at IS NULL
      RETURNING 1)
    SELECT pg_catalog.count(*) AS n FROM r`;

  return {
    async enqueue(p) {
      if (p.payloads.length === 0) return [];
      const one = p.payloads.length === 1;
      const leaseTo = p.leaseTo;
      if (leaseTo !== undefined && one) {
        const leased = { ...p, leaseTo };
        const [row] = await conn.prepared("enqueue_leased", enqueueLeasedSql, leasedInsertValues(leased, originSuffix));
        return [leasedInsertMessage(Number(row?.id), row?.consumer_worker_id, leased)];
      }
      const rows = await conn.prepared(one ? "enqueue_one" : "enqueue", one ? enqueueOneSql : enqueueManySql, [
        p.queueId,
        one ? p.payloads[0] : p.payloads,
        p.enqueuedAt,
        p.visibleAt,
        p.producerWorkerId,
        originSuffix,
      ]);
      // Ids are drawn from the sequence in insertion (= payload) order, so sorted ids match the payloads' order.
      const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      return p.payloads.map((payload, i) => ({
        id: ids[i] as number,
        queueId: p.queueId,
        payload: JSON.parse(payload) as unknown,
        vt: p.visibleAt,
        enqueuedAt: p.enqueuedAt,
        readCt: 0,
        dequeuedAt: null,
        producerWorkerId: p.producerWorkerId,
        consumerWorkerId: null,
        archivedAt: null,
        deadLetteredAt: null,
      }));
    },

    async dequeue(p) {
      if (p.limit <= 0) return [];
      const vt = new Date(p.now.getTime() + p.leaseMs);
      const rows = await conn.prepared("dequeue", dequeueSql, [p.queueId, p.now, p.maxReadCt, p.limit, vt, p.workerId]);
      return rows.map(toMessage).sort(byEnqueuedThenId);
    },

    async archive(p) {
      if (p.ids.length === 0) return [];
      const rows = await conn.prepared("archive", archiveSql, [p.ids, p.workerId, p.now]);
      return perIdResult(p.ids, rows);
    },

    async archiveAndDequeue(p) {
      const vt = new Date(p.now.getTime() + p.leaseMs);
      const rows = await conn.prepared("archive_and_dequeue", archiveAndDequeueSql, [
        p.queueId,
        p.now,
        p.maxReadCt,
        Math.max(0, p.limit),
        vt,
        p.workerId,
        p.archiveIds,
      ]);
      const archivedIds = (rows[0]?.archived_ids ?? []) as unknown[];
      const archived = perIdResult(
        p.archiveIds,
        archivedIds.map((id) => ({ id })),
      );
      const messages = rows.filter((r) => r.id !== null && r.id !== undefined).map(toMessage);
      return { archived, messages: messages.sort(byEnqueuedThenId) };
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
