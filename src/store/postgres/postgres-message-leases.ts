/**
 * The hot message path on PostgreSQL, composed: enqueue (postgres-enqueue.ts), the owner-checked lease operations
 * (postgres-owned-messages.ts); and here, the claim: its statement builders (shared with the workflow claims) and
 * `dequeue` / `archiveAndDequeue`. Every operation is one named prepared statement, one round trip, whatever the
 * batch size.
 */
import type { QueueMessage } from "../../types.js";
import type { DequeueParams } from "../message-params.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { ackBesideClaim, archiveBesideClaim } from "./postgres-ack-beside-claim.js";
import { boundValues, createClaimBounds, settleClaim } from "./postgres-claim-bound.js";
import { createClaimGate } from "./postgres-claim-gate.js";
import { claimedMessages, claimedReturning } from "./postgres-claimed-rows.js";
import {
  archiveThenClaim,
  asyncCommit,
  boundedDequeue,
  claimSet,
  excludedIds,
  groupHead,
} from "./postgres-claim-statements.js";
import { createEnqueue } from "./postgres-enqueue.js";
import { noLimits } from "./postgres-leased-insert.js";
import { createOwnedMessageOps } from "./postgres-owned-messages.js";
import { byClaimOrder, cols, perIdResult, toMessage } from "./postgres-rows.js";

export { asyncCommit, groupHead } from "./postgres-claim-statements.js";

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

/**
 * The claim (see `dequeueSql`): $1 queue, $2 now, $3 maxReadCt, $4 limit, $5 lease end, $6 worker. Needs
 * {@link asyncCommit} in its WITH clause. `filter`: more conditions on the candidate rows (` AND …`, columns of the
 * candidate unqualified or as `c.`). Mirrored, with the limits, by `pgqrs_claim_limited` (migration 0013). Returns
 * the claimed rows' {@link claimedReturning} columns (read with `claimedMessages`).
 */
export function claimUpdate(conn: PostgresConnection, filter = ""): string {
  const messages = conn.t("pgqrs_messages");
  // The claimed ids come from an ARRAY(…) sub-select, which the planner always runs once (an InitPlan). As a joined
  // sub-select it could be rescanned once per message row under a plan cached while the table looked empty
  // (VACUUM on an empty table, then idle claims): each rescan skipped the rows the statement had just locked and
  // returned the next ones, so one claim of 10 leased a whole backlog, in quadratic time.
  //
  // Order (priority DESC, enqueued_at, id) is idx_pgqrs_messages_claim's, so the scan stops after `limit` rows.
  // A message with a group key is claimable only as its group's head (see `groupHead`).
  // The limits guard (see `noLimits`) is uncorrelated: one probe per statement, not per row.
  return `UPDATE ${messages} m
       ${claimSet}
      FROM sc
     WHERE m.id = ANY (ARRAY(
             SELECT c.id FROM ${messages} c
              WHERE c.queue_id = $1 AND c.archived_at IS NULL AND c.vt <= $2 AND c.read_ct < $3${filter}
                AND ${groupHead(conn, "c")}
                AND ${noLimits(conn, "$1")}
              ORDER BY c.priority DESC, c.enqueued_at, c.id
              LIMIT $4
              FOR NO KEY UPDATE SKIP LOCKED))
    RETURNING ${claimedReturning("m")}`;
}

/**
 * The claim of a queue with limits, as a FROM item yielding message rows: $1 queue, $2 now, $3 maxReadCt, $4 limit,
 * $5 lease end, $6 worker, then `versions` and `archiveIds` (SQL expressions). The function archives the given ids
 * first (those rows come back with `archived_at` set), then claims; see migration 0013.
 */
export function claimLimited(conn: PostgresConnection, versions: string, archiveIds: string): string {
  return `${conn.q}.pgqrs_claim_limited($1::bigint, $2::timestamptz, $3::int, $4::int, $5::timestamptz, $6::bigint,
                                        ${versions}, ${archiveIds})`;
}

/** `origin`: the tag appended to this store's enqueue notifications (see `notifyOrigin`). */
export function createMessageLeaseOps(conn: PostgresConnection, origin = ""): MessageLeaseOps {
  const originSuffix = origin === "" ? "" : `@${origin}`;
  const owned = createOwnedMessageOps(conn);
  return {
    enqueue: createEnqueue(conn, originSuffix),
    ...createMessageClaimOps(conn, owned),
    ...owned,
  };
}

type MessageClaimOps = Pick<StoreBackend, "dequeue" | "archiveAndDequeue">;

/**
 * The claims of one store: `dequeue` and `archiveAndDequeue`, sharing one claim gate; statements built once, here.
 * `owned`: the store's archive and release, for acknowledgements sent beside their claim.
 */
function createMessageClaimOps(
  conn: PostgresConnection,
  owned: Pick<MessageLeaseOps, "archive" | "release">,
): MessageClaimOps {
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
    ${claimUpdate(conn)}`;
  // A queue with limits: one call of the claim function (no archive ids, any version).
  const dequeueLimitedSql = `
    WITH ${asyncCommit}
    SELECT ${cols.message("m")} FROM sc, ${claimLimited(conn, "NULL::text[]", "NULL::bigint[]")} m`;

  // The acknowledgement and the next claim in one statement (see `archiveThenClaim`).
  const archiveAndDequeueSql = archiveThenClaim(conn);
  // With limits: the function archives, then claims (a fresh snapshot, so its count of leases already sees the
  // archived rows gone); archived rows come back with archived_at set, claimed ones without. Synchronous commit:
  // the acknowledgement must be durable.
  const archiveAndDequeueLimitedSql = `
    SELECT ${cols.message("m")} FROM ${claimLimited(conn, "NULL::text[]", "$7::bigint[]")} m`;

  // The same claims from a bound, once a claim came back full (see postgres-claim-bound.ts).
  const dequeueBoundedSql = boundedDequeue(conn);
  const archiveAndDequeueBoundedSql = archiveThenClaim(conn, true);
  // Claims sent beside an acknowledgement leave its ids out ($7, or $11 after a bound; see
  // postgres-ack-beside-claim.ts).
  const dequeueExcludingSql = `
    WITH ${asyncCommit}
    ${claimUpdate(conn, excludedIds("$7"))}`;
  const dequeueBoundedExcludingSql = boundedDequeue(conn, true);

  // Concurrent claims of one queue from this store take turns, a few at a time (see postgres-claim-gate.ts).
  const gate = createClaimGate();
  // Where this store's next claim of each queue starts.
  const bounds = createClaimBounds();

  /** A claim of a queue without limits, leaving out `exclude` (ids being archived beside it) when given. */
  const claim = async (p: DequeueParams, exclude?: readonly number[]): Promise<QueueMessage[]> => {
    const vt = new Date(p.now.getTime() + p.leaseMs);
    const values = [p.queueId, p.now, p.maxReadCt, p.limit, vt, p.workerId];
    const wrote = { queueId: p.queueId, workerId: p.workerId, leaseEnd: vt };
    const bound = bounds.next(p.queueId, p.now.getTime());
    const rows = await gate.run(p.queueId, () => {
      const from = bound === undefined ? [] : boundValues(bound);
      if (exclude !== undefined) {
        return bound === undefined
          ? conn.prepared("dequeue_excluding", dequeueExcludingSql, [...values, exclude])
          : conn.prepared("dequeue_bounded_excluding", dequeueBoundedExcludingSql, [...values, ...from, exclude]);
      }
      return bound === undefined
        ? conn.prepared("dequeue", dequeueSql, values)
        : conn.prepared("dequeue_bounded", dequeueBoundedSql, [...values, ...from]);
    });
    const messages = claimedMessages(rows, wrote);
    settleClaim(bounds, p, p.limit, bound, rows, messages);
    return messages;
  };

  return {
    async dequeue(p) {
      if (p.limit <= 0) return [];
      if (p.limited === true) {
        const values = [p.queueId, p.now, p.maxReadCt, p.limit, new Date(p.now.getTime() + p.leaseMs), p.workerId];
        return (await conn.prepared("dequeue_limited", dequeueLimitedSql, values)).map(toMessage).sort(byClaimOrder);
      }
      return claim(p);
    },

    async archiveAndDequeue(p) {
      const vt = new Date(p.now.getTime() + p.leaseMs);
      const values = [p.queueId, p.now, p.maxReadCt, Math.max(0, p.limit), vt, p.workerId, p.archiveIds];
      if (p.limited === true) {
        const rows = (await conn.prepared("archive_and_dequeue_limited", archiveAndDequeueLimitedSql, values)).map(
          toMessage,
        );
        return {
          archived: perIdResult(
            p.archiveIds,
            rows.filter((m) => m.archivedAt !== null).map((m) => ({ id: m.id })),
          ),
          messages: rows.filter((m) => m.archivedAt === null).sort(byClaimOrder),
        };
      }
      if (ackBesideClaim(p)) {
        return archiveBesideClaim(p, { ...owned, claim: (exclude, limit) => claim({ ...p, limit }, exclude) });
      }
      // A bare acknowledgement (limit 0) claims nothing and leaves the bounds as they are.
      const bound = p.limit > 0 ? bounds.next(p.queueId, p.now.getTime()) : undefined;
      const rows = await gate.run(p.queueId, () =>
        bound === undefined
          ? conn.prepared("archive_and_dequeue", archiveAndDequeueSql, values)
          : conn.prepared("archive_and_dequeue_bounded", archiveAndDequeueBoundedSql, [
              ...values,
              ...boundValues(bound),
            ]),
      );
      const archivedIds = (rows[0]?.archived_ids ?? []) as unknown[];
      const archived = perIdResult(
        p.archiveIds,
        archivedIds.map((id) => ({ id })),
      );
      const messages = claimedMessages(rows, { queueId: p.queueId, workerId: p.workerId, leaseEnd: vt });
      if (p.limit > 0) settleClaim(bounds, p, p.limit, bound, rows, messages);
      return { archived, messages };
    },
  };
}
