/**
 * The hot paths' messages, built from the columns their statement could not know plus the values it wrote itself.
 * Reading whole rows back and decoding every timestamp of every row cost more per message than the claim
 * statement did (profiled on 50-message claims), so enqueue reads back only ids and the claim only what it did
 * not set, as tuples. Written times are decoded from their stored text, so a message reads exactly as a re-read
 * of its row would.
 */
import type { JsonValue } from "../../json-types.js";
import type { MessageError } from "../../queue-controls-types.js";
import type { QueueMessage } from "../../types.js";
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
  /** Every row's headers (shared by the rows' messages, which never change them), and their stored JSON text. */
  headers: Record<string, string> | null;
  headersJson: string | null;
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
    headers: v.headers,
    progress: null,
  }));
}

/**
 * The claim's RETURNING list: what it did not write itself. `archived_at` is NULL, the claim requires it. The queue
 * control columns, the headers and the progress come packed in one JSON value that is NULL for the usual row
 * (priority 0, no keys, no error, no headers, no progress): each column returned costs a value conversion per row in the driver (measured: four
 * separate columns made 50-message claims about 3% dearer in SQLite alone).
 */
export const CLAIMED_COLUMNS = `id, payload, enqueued_at, read_ct, dequeued_at, producer_worker_id,
  CASE WHEN priority = 0 AND dedup_key IS NULL AND group_key IS NULL AND last_error IS NULL AND headers IS NULL
            AND progress IS NULL
       THEN NULL ELSE json_array(priority, dedup_key, group_key, json(last_error), json(headers), json(progress)) END`;

export type ClaimedTuple = [
  id: number,
  payload: string,
  enqueuedAt: string,
  readCt: number | null,
  dequeuedAt: string | null,
  producerWorkerId: number | null,
  /** JSON `[priority, dedupKey, groupKey, lastError, headers, progress]`, or NULL for the usual row (see above). */
  controls: string | null,
];

type Controls = [
  priority: number,
  dedupKey: string | null,
  groupKey: string | null,
  lastError: MessageError | null,
  headers: Record<string, string> | null,
  progress: JsonValue | null,
];

const NO_CONTROLS: Controls = [0, null, null, null, null, null];

/** What the claim wrote to every claimed row, times as stored. */
export interface ClaimedValues {
  queueId: number;
  workerId: number;
  leaseEnd: string;
  /** First-lease time written where `dequeued_at` was still NULL. */
  now: string;
}

const byAge = (a: ClaimedTuple, b: ClaimedTuple) => (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : a[0] - b[0]);

/** Claimed messages in claim order (priority descending, then oldest first), as the claim's ORDER BY picked them. */
export function claimedMessages(rows: ClaimedTuple[], v: ClaimedValues): QueueMessage[] {
  let controls: Map<number, Controls> | undefined;
  for (const row of rows) {
    if (row[6] === null) continue;
    controls ??= new Map();
    controls.set(row[0], JSON.parse(row[6]) as Controls);
  }
  if (controls === undefined) rows.sort(byAge);
  else {
    const priority = (r: ClaimedTuple) => controls.get(r[0])?.[0] ?? 0;
    rows.sort((a, b) => priority(b) - priority(a) || byAge(a, b));
  }
  const leaseEndMs = decodeTime(v.leaseEnd).getTime();
  const nowMs = decodeTime(v.now).getTime();
  // Rows enqueued by one batch share their enqueued_at text: decode each distinct run once.
  let lastEnqueued: string | undefined;
  let lastEnqueuedMs = 0;
  return rows.map(([id, payload, enqueuedAt, readCt, dequeuedAt, producerWorkerId]) => {
    if (enqueuedAt !== lastEnqueued) {
      lastEnqueued = enqueuedAt;
      lastEnqueuedMs = decodeTime(enqueuedAt).getTime();
    }
    const [priority, dedupKey, groupKey, lastError, headers, progress] = controls?.get(id) ?? NO_CONTROLS;
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
      lastError,
      headers: headers ?? null,
      progress: progress ?? null,
    };
  });
}
