/**
 * The hot paths' messages, built from the columns their statement could not know plus the values it wrote itself.
 * Reading whole rows back and decoding every timestamp of every row cost more per message than the claim
 * statement did (profiled on 50-message claims), so enqueue reads back only ids and the claim only what it did
 * not set, as tuples. Written times are decoded from their stored text, so a message reads exactly as a re-read
 * of its row would.
 */
import type { QueueMessage } from "../../types.js";
import { decodeMessageError } from "./sqlite-rows.js";
import { decodeTime } from "./sqlite-time.js";

/** What one insert statement wrote to every row besides the payload, times as stored. */
export interface InsertedValues {
  queueId: number;
  producerWorkerId: number | null;
  enqueuedAt: string;
  visibleAt: string;
  /** The same times in ms: stored text keeps milliseconds, so a re-read decodes to exactly these. */
  enqueuedMs: number;
  visibleMs: number;
  /** Every row's priority and group key (EnqueueParams); dedup key only on a one-row insert. */
  priority: number;
  groupKey: string | null;
  dedupKey: string | null;
}

/** Messages for `payloads` inserted in order; `ids` are the assigned ids, in any order. */
export function insertedMessages(ids: number[], payloads: readonly string[], v: InsertedValues): QueueMessage[] {
  // One INSERT … VALUES assigns AUTOINCREMENT ids in VALUES order; RETURNING order itself is unspecified.
  ids.sort((a, b) => a - b);
  const { enqueuedMs, visibleMs } = v;
  return ids.map((id, i) => ({
    id,
    queueId: v.queueId,
    payload: JSON.parse(payloads[i]!),
    vt: new Date(visibleMs),
    enqueuedAt: new Date(enqueuedMs),
    readCt: 0,
    dequeuedAt: null,
    producerWorkerId: v.producerWorkerId,
    consumerWorkerId: null,
    archivedAt: null,
    deadLetteredAt: null,
    priority: v.priority,
    dedupKey: v.dedupKey,
    groupKey: v.groupKey,
    lastError: null,
  }));
}

/** The claim's RETURNING list: what it did not write itself. `archived_at` is NULL, the claim requires it. */
export const CLAIMED_COLUMNS =
  "id, payload, enqueued_at, read_ct, dequeued_at, producer_worker_id, priority, dedup_key, group_key, last_error";

export type ClaimedTuple = [
  id: number,
  payload: string,
  enqueuedAt: string,
  readCt: number | null,
  dequeuedAt: string | null,
  producerWorkerId: number | null,
  priority: number,
  dedupKey: string | null,
  groupKey: string | null,
  lastError: string | null,
];

/** What the claim wrote to every claimed row, times as stored. */
export interface ClaimedValues {
  queueId: number;
  workerId: number;
  leaseEnd: string;
  /** First-lease time written where `dequeued_at` was still NULL. */
  now: string;
}

/** Claimed messages in claim order (priority descending, then oldest first), as the claim's ORDER BY picked them. */
export function claimedMessages(rows: ClaimedTuple[], v: ClaimedValues): QueueMessage[] {
  rows.sort((a, b) => b[6] - a[6] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : a[0] - b[0]));
  const leaseEndMs = decodeTime(v.leaseEnd).getTime();
  const nowMs = decodeTime(v.now).getTime();
  // Rows enqueued by one batch share their enqueued_at text: decode each distinct run once.
  let lastEnqueued: string | undefined;
  let lastEnqueuedMs = 0;
  return rows.map(
    ([id, payload, enqueuedAt, readCt, dequeuedAt, producerWorkerId, priority, dedupKey, groupKey, lastError]) => {
      if (enqueuedAt !== lastEnqueued) {
        lastEnqueued = enqueuedAt;
        lastEnqueuedMs = decodeTime(enqueuedAt).getTime();
      }
      return {
        id,
        queueId: v.queueId,
        payload: JSON.parse(payload),
        vt: new Date(leaseEndMs),
        enqueuedAt: new Date(lastEnqueuedMs),
        readCt: readCt ?? 0,
        dequeuedAt: dequeuedAt === null ? null : dequeuedAt === v.now ? new Date(nowMs) : decodeTime(dequeuedAt),
        producerWorkerId,
        consumerWorkerId: v.workerId,
        archivedAt: null,
        // Claimed rows are unarchived, so never dead (a message pgqrs replayed still carries dead_lettered_at).
        deadLetteredAt: null,
        priority,
        dedupKey,
        groupKey,
        lastError: decodeMessageError(lastError),
      };
    },
  );
}
