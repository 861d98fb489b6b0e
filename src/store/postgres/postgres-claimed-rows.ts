/**
 * The rows a claim returns: only what the claim did not write itself. The lease end, the consumer and the queue are
 * the claim's own parameters, and a claimed row is unarchived (so never dead); the queue-control columns, the
 * headers and the progress (priority, dedup key, group key, last error, headers, progress) come packed in one JSONB
 * value that is NULL for the usual row (priority 0, no keys, no error, no headers, no progress). Every returned column costs a value conversion per row in
 * the driver (a timestamp is a Date to build), and the claim is the drain's hot path.
 */
import type { JsonValue } from "../../json-types.js";
import type { MessageError } from "../../queue-controls-types.js";
import type { QueueMessage } from "../../types.js";
import type { Row } from "./postgres-connection.js";
import { byClaimOrder } from "./postgres-rows.js";

/** The claim's RETURNING list for the claimed rows under `alias`. */
export function claimedReturning(alias: string): string {
  const a = alias;
  return `${a}.id, ${a}.payload, ${a}.enqueued_at, ${a}.read_ct, ${a}.dequeued_at, ${a}.producer_worker_id,
           CASE WHEN ${a}.priority = 0 AND ${a}.dedup_key IS NULL AND ${a}.group_key IS NULL
                     AND ${a}.last_error IS NULL AND ${a}.headers IS NULL AND ${a}.progress IS NULL THEN NULL
                ELSE pg_catalog.jsonb_build_array(${a}.priority, ${a}.dedup_key, ${a}.group_key, ${a}.last_error,
                                                  ${a}.headers, ${a}.progress) END AS extras`;
}

/** The columns of {@link claimedReturning}, selected from a CTE or sub-select `alias` that returned them. */
export function claimedColumns(alias: string): string {
  return ["id", "payload", "enqueued_at", "read_ct", "dequeued_at", "producer_worker_id", "extras"]
    .map((c) => `${alias}.${c}`)
    .join(", ");
}

type Extras = [
  priority: number,
  dedupKey: string | null,
  groupKey: string | null,
  lastError: MessageError | null,
  headers: Record<string, string> | null,
  progress: JsonValue | null,
];

/** What the claim wrote to every row it claimed. */
export interface ClaimWrote {
  queueId: number;
  workerId: number;
  leaseEnd: Date;
}

/** A claimed row (see {@link claimedReturning}) as the message a re-read would return. */
export function toClaimedMessage(r: Row, w: ClaimWrote): QueueMessage {
  const extras = r.extras as Extras | null;
  const dequeuedAt = r.dequeued_at as Date | null;
  const producer = r.producer_worker_id;
  return {
    id: Number(r.id),
    queueId: w.queueId,
    payload: r.payload === undefined ? null : r.payload,
    vt: new Date(w.leaseEnd.getTime()),
    enqueuedAt: r.enqueued_at as Date,
    readCt: Number(r.read_ct ?? 0),
    dequeuedAt: dequeuedAt ?? null,
    producerWorkerId: producer === null || producer === undefined ? null : Number(producer),
    consumerWorkerId: w.workerId,
    archivedAt: null,
    deadLetteredAt: null,
    priority: extras === null ? 0 : extras[0],
    dedupKey: extras === null ? null : extras[1],
    groupKey: extras === null ? null : extras[2],
    lastError: extras === null ? null : extras[3],
    headers: extras === null ? null : extras[4],
    progress: extras === null ? null : (extras[5] ?? null),
  };
}

/**
 * The messages of a claim statement's `rows`, in claim order: each claimed row completed with what the claim wrote
 * (`w`), without the row an acknowledgement statement returns for its archive alone (its `id` is NULL).
 */
export function claimedMessages(rows: readonly Row[], w: ClaimWrote): QueueMessage[] {
  return rows
    .filter((r) => r.id !== null && r.id !== undefined)
    .map((r) => toClaimedMessage(r, w))
    .sort(byClaimOrder);
}
