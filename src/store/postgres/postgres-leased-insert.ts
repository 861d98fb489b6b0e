/**
 * The one-message insert that hands a message straight to an idle consumer of this store (`EnqueueParams.leaseTo`).
 * It leases the row only when a claim by that consumer at the same moment would have returned it: nothing of the
 * queue is claimable yet (an older message, or an expired lease, comes first: oldest-first order holds across
 * producers and processes) and the consumer is still ready or polling (an interrupt from elsewhere wins).
 * Otherwise the row is a plain enqueue and notifies like one; the returned message says which happened.
 */
import type { QueueMessage } from "../../types.js";
import type { EnqueueParams } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";

type LeasedInsert = EnqueueParams & { leaseTo: NonNullable<EnqueueParams["leaseTo"]> };

/**
 * `INSERT … RETURNING id, consumer_worker_id` as a data-modifying statement usable alone or as a CTE. Parameters:
 * $1 queue, $2 payload, $3 enqueued at, $4 lease end, $5 producer, $6 consumer, $7 claim time, $8 maxReadCt,
 * $9 visible at, $10 notification origin suffix, $11 priority, $12 group key, $13 headers (JSON text or NULL).
 *
 * Never leased on a queue with a concurrency or rate limit (those claim only through `pgqrs_claim_limited`, see
 * `DequeueParams.limited`), nor with a group key (a grouped insert takes its group's lock first, see
 * postgres-enqueue.ts, so it is a plain insert).
 * Priority needs no check: nothing else is claimable, so the new message is first whatever its priority.
 * The checks are decided once, in `f`, fenced with `OFFSET 0`: pulled up into the insert's select list, `f.ok` would
 * be planned once per reference, and each of its four uses would run the three probes again (12 InitPlans).
 */
export function leasedInsertSql(conn: PostgresConnection): string {
  const messages = conn.t("pgqrs_messages");
  const workers = conn.t("pgqrs_workers");
  return `
    INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, consumer_worker_id,
                             dequeued_at, priority, group_key, headers)
    SELECT $1::bigint, $2::jsonb, CASE WHEN f.ok THEN 1 ELSE 0 END, $3::timestamptz,
           CASE WHEN f.ok THEN $4::timestamptz ELSE $9::timestamptz END, $5::bigint,
           CASE WHEN f.ok THEN $6::bigint END, CASE WHEN f.ok THEN $7::timestamptz END, $11::int, $12::text,
           $13::jsonb
      FROM (SELECT NOT EXISTS (SELECT 1 FROM ${messages}
                                WHERE queue_id = $1::bigint AND archived_at IS NULL AND vt <= $7::timestamptz
                                  AND read_ct < $8::int)
               AND EXISTS (SELECT 1 FROM ${workers} WHERE id = $6::bigint AND status OPERATOR(pg_catalog.=) ANY ('{ready,polling}'))
               AND ${noLimits(conn, "$1::bigint")}
               AND $12::text IS NULL AS ok
            OFFSET 0) f
    RETURNING id, queue_id, payload, consumer_worker_id,
              (SELECT pg_catalog.pg_notify('${enqueueChannel(conn.schema)}', $1::bigint::text || $10::text)
                WHERE consumer_worker_id IS NULL) AS notified`;
}

export function leasedInsertValues(p: LeasedInsert, originSuffix: string): unknown[] {
  return [
    p.queueId,
    p.payloads[0],
    p.enqueuedAt,
    p.leaseTo.leaseEnd,
    p.producerWorkerId,
    p.leaseTo.workerId,
    p.leaseTo.now,
    p.leaseTo.maxReadCt,
    p.visibleAt,
    originSuffix,
    p.priority ?? 0,
    p.groupKey ?? null,
    p.headers === undefined ? null : JSON.stringify(p.headers),
  ];
}

/** The message the insert wrote, as a re-read would return it: leased when `consumer_worker_id` came back set. */
export function leasedInsertMessage(id: number, consumerWorkerId: unknown, p: LeasedInsert): QueueMessage {
  const leased = consumerWorkerId !== null && consumerWorkerId !== undefined;
  return {
    id,
    queueId: p.queueId,
    payload: JSON.parse(p.payloads[0] as string) as unknown,
    vt: leased ? p.leaseTo.leaseEnd : p.visibleAt,
    enqueuedAt: p.enqueuedAt,
    readCt: leased ? 1 : 0,
    dequeuedAt: leased ? p.leaseTo.now : null,
    producerWorkerId: p.producerWorkerId,
    consumerWorkerId: leased ? p.leaseTo.workerId : null,
    archivedAt: null,
    deadLetteredAt: null,
    priority: p.priority ?? 0,
    dedupKey: null,
    groupKey: p.groupKey ?? null,
    lastError: null,
    headers: p.headers ?? null,
    progress: null,
  };
}

/**
 * True when the queue ($queue) has no concurrency or rate limit: the guard of every claim that is not
 * `limited`. Uncorrelated, so the planner evaluates it once per statement (an InitPlan: one primary-key probe of
 * `pgqrs_queue_settings`, which has no row at all for a queue without settings).
 */
export function noLimits(conn: PostgresConnection, queue: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${conn.t("pgqrs_queue_settings")} WHERE queue_id = ${queue}
                        AND (concurrency_limit IS NOT NULL OR rate_max IS NOT NULL))`;
}

export type { LeasedInsert };
