/**
 * The hot message path on PostgreSQL, composed: enqueue (postgres-enqueue.ts), the owner-checked lease operations
 * (postgres-owned-messages.ts); and here, the claim: its statement builders (shared with the workflow claims) and
 * `dequeue` / `archiveAndDequeue`. Every operation is one named prepared statement, one round trip, whatever the
 * batch size.
 */
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { createEnqueue } from "./postgres-enqueue.js";
import { noLimits } from "./postgres-leased-insert.js";
import {
  boundedCandidates,
  boundParams,
  boundValues,
  createClaimBounds,
  nextBound,
  settleClaim,
} from "./postgres-claim-bound.js";
import { createClaimGate } from "./postgres-claim-gate.js";
import { claimedReturning, toClaimedMessage } from "./postgres-claimed-rows.js";
import { createOwnedMessageOps } from "./postgres-owned-messages.js";
import { byClaimOrder, cols, perIdResult, toMessage } from "./postgres-rows.js";

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
 * What a claim writes on each claimed row `m` (the same in every claim statement of this file and in
 * `pgqrs_claim_limited`): one more read, the lease ($5 its end, $6 the worker) and the first claim's time ($2 now).
 */
const claimSet = `SET read_ct = m.read_ct + 1, vt = $5, consumer_worker_id = $6, dequeued_at = COALESCE(m.dequeued_at, $2)`;

/**
 * The claim (see `dequeueSql`): $1 queue, $2 now, $3 maxReadCt, $4 limit, $5 lease end, $6 worker. Needs
 * {@link asyncCommit} in its WITH clause. `filter`: more conditions on the candidate rows (` AND …`, columns of the
 * candidate unqualified or as `c.`). Mirrored, with the limits, by `pgqrs_claim_limited` (migration 0013). Returns
 * the claimed rows' {@link claimedReturning} columns (read with `toClaimedMessage`).
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
 * The group head rule on candidate `alias`: no key, or its id is the smallest of the unarchived messages of its
 * queue and group. An OR'ed correlated sub-plan (not a join), so a row without a group key never runs the
 * sub-select; the sub-select's ORDER BY is idx_pgqrs_messages_group's order, so it is one index probe (written as
 * `NOT EXISTS (… g.id < c.id)` the planner may walk the primary key from the table's oldest row instead).
 * Race-free: a claimer never archives the head it claims (only an acknowledgement or a dead-lettering does), so a
 * leased head keeps blocking its group; two claimers that both see a new head both try to lock that one row, and
 * SKIP LOCKED lets only one have it (the other still sees the head unarchived, so the rest of the group waits).
 */
export function groupHead(conn: PostgresConnection, alias: string): string {
  return `(${alias}.group_key IS NULL OR ${alias}.id <= (
                  SELECT g.id FROM ${conn.t("pgqrs_messages")} g
                   WHERE g.queue_id = ${alias}.queue_id AND g.group_key OPERATOR(pg_catalog.=) ${alias}.group_key
                     AND g.archived_at IS NULL
                   ORDER BY g.queue_id, g.group_key, g.id
                   LIMIT 1))`;
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
  return {
    enqueue: createEnqueue(conn, originSuffix),
    ...createMessageClaimOps(conn),
    ...createOwnedMessageOps(conn),
  };
}

type MessageClaimOps = Pick<StoreBackend, "dequeue" | "archiveAndDequeue">;

/** The claims of one store: `dequeue` and `archiveAndDequeue`, sharing one claim gate; statements built once, here. */
function createMessageClaimOps(conn: PostgresConnection): MessageClaimOps {
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

  // Concurrent claims of one queue from this store take turns, a few at a time (see postgres-claim-gate.ts).
  const gate = createClaimGate();
  // Where this store's next claim of each queue starts.
  const bounds = createClaimBounds();

  return {
    async dequeue(p) {
      if (p.limit <= 0) return [];
      const vt = new Date(p.now.getTime() + p.leaseMs);
      const values = [p.queueId, p.now, p.maxReadCt, p.limit, vt, p.workerId];
      if (p.limited === true) {
        return (await conn.prepared("dequeue_limited", dequeueLimitedSql, values)).map(toMessage).sort(byClaimOrder);
      }
      const wrote = { queueId: p.queueId, workerId: p.workerId, leaseEnd: vt };
      const bound = bounds.next(p.queueId, p.now.getTime());
      const rows = await gate.run(p.queueId, () =>
        bound === undefined
          ? conn.prepared("dequeue", dequeueSql, values)
          : conn.prepared("dequeue_bounded", dequeueBoundedSql, [...values, ...boundValues(bound)]),
      );
      const messages = rows
        .filter((r) => r.id !== null && r.id !== undefined)
        .map((r) => toClaimedMessage(r, wrote))
        .sort(byClaimOrder);
      settleClaim(bounds, p, p.limit, bound, rows, messages);
      return messages;
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
      const wrote = { queueId: p.queueId, workerId: p.workerId, leaseEnd: vt };
      const messages = rows
        .filter((r) => r.id !== null && r.id !== undefined)
        .map((r) => toClaimedMessage(r, wrote))
        .sort(byClaimOrder);
      if (p.limit > 0) settleClaim(bounds, p, p.limit, bound, rows, messages);
      return { archived, messages };
    },
  };
}

/**
 * `archiveAndDequeue`'s statement: $1 queue, $2 now, $3 maxReadCt, $4 limit, $5 lease end, $6 worker, $7 the ids to
 * archive. Returns the archived ids on the first row (`archived_ids`) and the claimed rows' {@link claimedReturning}
 * columns (a single row of NULLs when nothing was claimed).
 */
function archiveThenClaim(conn: PostgresConnection, bounded = false): string {
  const messages = conn.t("pgqrs_messages");
  // Bounded (see postgres-claim-bound.ts): $8-$11 the bound; the next bound comes back on the first row.
  const bound = boundParams(8);
  const rules = ` AND c.id <> ALL($7::bigint[])
         AND (SELECT pg_catalog.count(*) FROM a) >= 0
         AND ${groupHead(conn, "c")}
         AND ${noLimits(conn, "$1")}`;
  const candidates = bounded
    ? boundedCandidates(conn, bound, rules)
    : `SELECT c.id FROM ${messages} c
       WHERE c.queue_id = $1 AND c.archived_at IS NULL AND c.vt <= $2 AND c.read_ct < $3${rules}
       ORDER BY c.priority DESC, c.enqueued_at, c.id
       LIMIT $4
       FOR NO KEY UPDATE SKIP LOCKED`;
  // The acknowledgement of a single-message loop and its next claim share one round trip. Both CTEs run in one
  // statement (one snapshot): the claim excludes the ids being archived, whose rows the snapshot still shows
  // unarchived (one of our own expired leases would otherwise be claimed and updated twice in one statement).
  // The LEFT JOIN on a one-row relation returns the archived ids even when nothing was claimed; only the first row
  // carries them (parsing the array once per row was a visible share of a batch loop's CPU).
  //
  // The archive runs before the claim's scan (`c` reads `a` in an InitPlan): a claim's SKIP LOCKED scan keeps the
  // lock of any row it locked and then dropped on the re-check (a row another consumer leased after our snapshot),
  // so with the archive last, two consumers could each wait in their archive for a row the other's claim had just
  // locked that way: a deadlock (seen under 16 concurrent batch loops). Archiving first, a statement waits only
  // before it locks anything.
  return `
    WITH a AS (
      UPDATE ${messages} am SET archived_at = $2
        FROM pg_catalog.unnest($7::bigint[]) AS t(id)
       WHERE am.id = t.id AND am.consumer_worker_id = $6 AND am.archived_at IS NULL
      RETURNING am.id),
    ${bounded ? `nb AS MATERIALIZED (${nextBound(conn, bound)}),` : ""}
    c AS MATERIALIZED (${candidates}),
    u AS (
      UPDATE ${messages} m
         ${claimSet}
        FROM c
       WHERE m.id = c.id
      RETURNING ${claimedReturning("m")})
    SELECT CASE WHEN pg_catalog.row_number() OVER () = 1 THEN (SELECT pg_catalog.array_agg(id) FROM a) END AS archived_ids,
           ${bounded ? firstRowBound : ""}u.*
      FROM (SELECT 1) one LEFT JOIN u ON TRUE`;
}

/** The next bound (CTE `nb`) on the first row of a bounded claim's result, NULL on the others. */
const firstRowBound = `CASE WHEN pg_catalog.row_number() OVER () = 1 THEN (SELECT nb.bound_at FROM nb) END AS bound_at,
           CASE WHEN pg_catalog.row_number() OVER () = 1 THEN (SELECT nb.bound_id FROM nb) END AS bound_id, `;

/**
 * `dequeue`'s statement from a bound: `dequeueSql`'s parameters, then $7-$10 the bound (see postgres-claim-bound.ts).
 * Returns the claimed rows (a single row of NULLs when nothing was claimed), the next bound on the first row.
 */
function boundedDequeue(conn: PostgresConnection): string {
  const bound = boundParams(7);
  return `
    WITH ${asyncCommit},
    nb AS MATERIALIZED (${nextBound(conn, bound)}),
    u AS (
      UPDATE ${conn.t("pgqrs_messages")} m
         ${claimSet}
        FROM sc
       WHERE m.id = ANY (ARRAY(${boundedCandidates(conn, bound, ` AND ${groupHead(conn, "c")} AND ${noLimits(conn, "$1")}`)}))
      RETURNING ${claimedReturning("m")})
    SELECT ${firstRowBound}u.*
      FROM (SELECT 1) one LEFT JOIN u ON TRUE`;
}
