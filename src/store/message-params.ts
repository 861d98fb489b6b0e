/**
 * The parameters of the Store contract's message operations (enqueue, claim, the owner-checked lease operations,
 * listings); `store.ts` re-exports them. Times are supplied by the caller, from the injectable clock.
 */
import type { MessageError } from "../queue-controls-types.js";
import type { Page, QueueMessage } from "../types.js";

export interface EnqueueParams {
  queueId: number;
  /** Payloads already serialised to JSON text, in order. */
  payloads: readonly string[];
  producerWorkerId: number | null;
  enqueuedAt: Date;
  /** First visibility time (enqueuedAt + delay). */
  visibleAt: Date;
  /**
   * Insert ONE row already leased to this consumer, as its claim at `now` would have: `read_ct` 1,
   * `dequeued_at = now`, `vt = leaseEnd`, and no notification (no other consumer may take it). Used to hand a
   * message straight to an idle consumer of the same store, and only when that claim would have returned this
   * message: nothing of the queue is claimable at `now` (with `maxReadCt`) and the consumer is ready or polling.
   * Otherwise the row is a plain enqueue; the returned message's `consumerWorkerId` says which happened.
   */
  leaseTo?: { workerId: number; now: Date; leaseEnd: Date; maxReadCt: number };
  /** Every row's priority (higher is claimed first). Default 0. */
  priority?: number;
  /** Every row's group key (ordered groups). Default none. */
  groupKey?: string;
  /**
   * Only with ONE payload: at most one unarchived message of the queue has this key. When one exists (or, with
   * `dedupWindowMs`, one archived at or after `enqueuedAt - dedupWindowMs`), nothing is written and that message is
   * returned with `deduplicated: true`. Race-free: concurrent enqueues of one key make one row (a unique index).
   */
  dedupKey?: string;
  /** With `dedupKey`: also match messages archived within this many ms before `enqueuedAt`. Default 0. */
  dedupWindowMs?: number;
  /**
   * Every row's headers (`QueueMessage.headers`: the trace context of the enqueue), stored as a JSON object of
   * strings beside the payload. Default none (NULL).
   */
  headers?: Record<string, string>;
  /**
   * The application's own open transaction to insert in (outbox): a node-postgres client (PostgreSQL) or a
   * better-sqlite3 Database with an open transaction (SQLite; the insert then runs synchronously, before this call
   * returns its promise, so it works inside `db.transaction(fn)`). The row exists if and only if that transaction
   * commits; on PostgreSQL its NOTIFY is delivered at that commit to every listener, this store's included. Never
   * combined with `leaseTo`. VALIDATION_FAILED when it is not such an object.
   */
  tx?: unknown;
  /**
   * Per-payload values, one per payload in the same order: several callers' enqueues in one insert (group commit,
   * see queue/enqueue-group.ts). Each replaces `enqueuedAt`, `visibleAt`, `priority` and `headers` for its row.
   * Never combined with `groupKey`, `dedupKey`, `leaseTo` or `tx` (VALIDATION_FAILED). Default: the shared values.
   */
  rows?: readonly EnqueueRowValues[];
}

/** The values of one row of a group-commit insert (`EnqueueParams.rows`). */
export interface EnqueueRowValues {
  enqueuedAt: Date;
  /** First visibility time. */
  visibleAt: Date;
  /** Default 0. */
  priority?: number;
  /** The row's headers (its caller's trace context). Default none (NULL). */
  headers?: Record<string, string>;
}

export interface DequeueParams {
  queueId: number;
  workerId: number;
  limit: number;
  /** Lease length in milliseconds: `vt = now + leaseMs`. */
  leaseMs: number;
  now: Date;
  /** Messages with `read_ct >= maxReadCt` are never claimed. */
  maxReadCt: number;
  /**
   * A versioned workflow worker's claim: only messages whose payload has no `version` or one of these. Honoured by
   * `dequeueAndStartRuns`, and by `dequeue` of backends without `dequeueAndStartRuns` (SQLite). Absent: any.
   */
  versions?: readonly string[];
  /**
   * The claim of a queue with a concurrency limit or a rate limit (`QueueRecord.concurrencyLimit`, `rateLimit`):
   * takes at most `concurrencyLimit − (messages of the queue under a live lease)` and what the rate limit's window
   * allows, recording the claims in the window, serialised across every process (PostgreSQL: a lock on the queue's
   * settings row inside one function call). Without `limited`, a claim (`dequeue`, `archiveAndDequeue`,
   * `dequeueAndStartRuns`, and a `leaseTo` enqueue) takes NOTHING from a queue that has either limit, so a process
   * whose view of the settings is stale can never exceed them. On a queue without limits `limited` claims as usual.
   */
  limited?: boolean;
}

/** Acknowledge held messages and claim the next ones in one round trip (single-message and batch loops). */
export interface ArchiveAndDequeueParams extends DequeueParams {
  /** Held messages to archive first, owner-checked as in `archive`. */
  archiveIds: readonly number[];
}

export interface ArchiveAndDequeueResult {
  /** One result per `archiveIds` entry, as `archive` returns. */
  archived: boolean[];
  /** The newly claimed messages, as `dequeue` returns (never one of `archiveIds`). */
  messages: QueueMessage[];
}

/** A subscription to enqueue notifications of one queue (backends with `listenNotify`). */
export interface EnqueueListenParams {
  queueId: number;
  /** Called (synchronously, from the driver's event) when messages may have become available in the queue. */
  onNotify: () => void;
}

export interface OwnedIdsParams {
  ids: readonly number[];
  workerId: number;
  now: Date;
}

export interface ExtendParams extends OwnedIdsParams {
  /** `vt = max(vt, now) + extendMs`. */
  extendMs: number;
}

export interface ReleaseParams extends OwnedIdsParams {
  /** New visibility time (usually `now`). */
  visibleAt: Date;
  /**
   * Give the delivery back (`read_ct - 1`, not below 0): the message was not attempted and failed, it was
   * rescheduled (a workflow retry or pause), so it must not count toward `maxReadCt`. Default false.
   */
  refundDelivery?: boolean;
  /** Stored as the messages' `last_error` (a handler's failure). Default: `last_error` unchanged. */
  error?: MessageError;
  /**
   * Rows whose `read_ct >= deadLetterAtReadCt` are dead-lettered instead of released, in the same statement
   * (`archived_at = dead_lettered_at = now`, with `error`), and their unfinished workflow runs fail as in
   * `deadLetter`. Such rows still count as `true`. Default: never.
   */
  deadLetterAtReadCt?: number;
}

export interface ListMessagesParams extends Page {
  queueId?: number;
  /**
   * `"active"` (default): unarchived; `"archived"`; `"dead"`: dead-lettered (archived by `deadLetter`, see
   * `store/dead-letters.ts`); `"all"`.
   */
  state?: "active" | "archived" | "dead" | "all";
  consumerWorkerId?: number;
}
