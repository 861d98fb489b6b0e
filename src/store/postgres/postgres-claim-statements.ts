/**
 * The text of the PostgreSQL claim statements that acknowledge or start from a bound (postgres-message-leases.ts
 * runs them), and the pieces every claim statement shares: the asynchronous commit, what a claim writes, the group
 * head rule.
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { boundedCandidates, boundParams, nextBound } from "./postgres-claim-bound.js";
import { claimedReturning } from "./postgres-claimed-rows.js";
import { noLimits } from "./postgres-leased-insert.js";

/** Makes the statement's transaction commit without waiting for its WAL flush (`sc` must join the statement). */
export const asyncCommit = "sc AS MATERIALIZED (SELECT pg_catalog.set_config('synchronous_commit', 'off', true))";

/**
 * What a claim writes on each claimed row `m` (the same in every claim statement of
 * postgres-message-leases.ts and this file, and in `pgqrs_claim_limited`): one more read, the lease ($5 its end, $6 the worker) and the first claim's time ($2 now).
 */
export const claimSet = `SET read_ct = m.read_ct + 1, vt = $5, consumer_worker_id = $6, dequeued_at = COALESCE(m.dequeued_at, $2)`;

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
 * `archiveAndDequeue`'s statement: $1 queue, $2 now, $3 maxReadCt, $4 limit, $5 lease end, $6 worker, $7 the ids to
 * archive. Returns the archived ids on the first row (`archived_ids`) and the claimed rows' {@link claimedReturning}
 * columns (a single row of NULLs when nothing was claimed).
 */
export function archiveThenClaim(conn: PostgresConnection, bounded = false): string {
  const messages = conn.t("pgqrs_messages");
  // Bounded (see postgres-claim-bound.ts): $8-$11 the bound; the next bound comes back on the first row.
  const bound = boundParams(8);
  const rules = `${excludedIds("$7")}
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
 * `dequeue`'s statement from a bound: `dequeueSql`'s parameters, then $7-$10 the bound (see postgres-claim-bound.ts);
 * `excluding`: then $11, ids the claim must not return (see {@link excludedIds}). Returns the claimed rows (a single
 * row of NULLs when nothing was claimed), the next bound on the first row.
 */
export function boundedDequeue(conn: PostgresConnection, excluding = false): string {
  const bound = boundParams(7);
  const rules = `${excluding ? excludedIds("$11") : ""} AND ${groupHead(conn, "c")} AND ${noLimits(conn, "$1")}`;
  return `
    WITH ${asyncCommit},
    nb AS MATERIALIZED (${nextBound(conn, bound)}),
    u AS (
      UPDATE ${conn.t("pgqrs_messages")} m
         ${claimSet}
        FROM sc
       WHERE m.id = ANY (ARRAY(${boundedCandidates(conn, bound, rules)}))
      RETURNING ${claimedReturning("m")})
    SELECT ${firstRowBound}u.*
      FROM (SELECT 1) one LEFT JOIN u ON TRUE`;
}

/**
 * The candidate rule that keeps the ids in parameter `param` (a `bigint[]`) out of a claim: ids being archived
 * beside it, which its snapshot may still show unarchived (one of our own expired leases would otherwise be claimed
 * again while its acknowledgement is applied).
 */
export function excludedIds(param: string): string {
  return ` AND c.id <> ALL(${param}::bigint[])`;
}
