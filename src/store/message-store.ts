/** The Store contract's message operations: enqueue, claim under a lease, settle, read, dead-letter. */
import type { Page, QueueMessage } from "../types.js";
import type {
  ArchiveAndDequeueParams,
  ArchiveAndDequeueResult,
  DequeueParams,
  EnqueueListenParams,
  EnqueueParams,
  ExtendParams,
  ListMessagesParams,
  OwnedIdsParams,
  ReleaseParams,
} from "./message-params.js";

/** What `updateProgress` writes. */
export interface ProgressParams {
  id: number;
  /** The consumer that must hold the message (owner check). */
  workerId: number;
  /** The progress as JSON text (validated by the caller), or `null` to clear it. */
  progressJson: string | null;
}

/** What `deadLetter` did. */
export interface DeadLetterResult {
  /** The dead-lettered messages, ascending. */
  ids: number[];
  /** The workflow runs of those messages that it failed, ascending. */
  failedRuns: number[];
}

export interface MessageStoreOps {
  /** One multi-row insert; rows come back in payload order. */
  enqueue(p: EnqueueParams): Promise<QueueMessage[]>;
  /**
   * Claim up to `limit` messages of the queue with `archived_at IS NULL AND vt <= now AND read_ct < maxReadCt`
   * (unleased, or leased with an expired lease), highest `priority` first, then oldest first by (`enqueued_at`,
   * `id`), in ONE statement: `read_ct + 1`, `vt = now + lease`, `consumer_worker_id = worker`,
   * `dequeued_at = COALESCE(dequeued_at, now)`. A message with a `group_key` is claimable only while no unarchived
   * message of its queue and group has a smaller id (the group's head; so one at a time, in enqueue order). Rows
   * come back in claim order (`priority` descending, `enqueued_at`, `id`). See `DequeueParams.limited`.
   */
  dequeue(p: DequeueParams): Promise<QueueMessage[]>;
  /** Per-id: set `archived_at = now` where owned by the worker and not archived. */
  archive(p: OwnedIdsParams): Promise<boolean[]>;
  /**
   * `archive(archiveIds)` then `dequeue(…)` in one round trip and one transaction (both apply or neither); the
   * claim never returns one of `archiveIds`. `archiveIds` may be empty (a plain claim) and `limit` may be 0 (a
   * plain archive). A backend may send a large acknowledgement and a large claim as several statements at once
   * (PostgreSQL: postgres-ack-beside-claim.ts): a failure still leaves nothing claimed; when the archive applied
   * and a claim failed, it rejects with `ArchivedThenClaimFailed` (the archive's result, the claim's error as
   * `cause`).
   */
  archiveAndDequeue(p: ArchiveAndDequeueParams): Promise<ArchiveAndDequeueResult>;
  /** Per-id: delete rows owned by the worker and not archived. */
  deleteOwned(p: OwnedIdsParams): Promise<boolean[]>;
  /** Per-id: extend owned, unarchived leases. */
  extendVisibility(p: ExtendParams): Promise<boolean[]>;
  /**
   * Owned (by `workerId`), unarchived → `progress = progressJson`; nothing else changes. `false` (nothing written)
   * when the message is archived, gone or held by another consumer.
   */
  updateProgress(p: ProgressParams): Promise<boolean>;
  /** Per-id: owned, unarchived → `consumer_worker_id = NULL, vt = visibleAt` (`read_ct` unchanged). */
  release(p: ReleaseParams): Promise<boolean[]>;
  /** Release every unarchived message held by the worker; returns the count. */
  releaseWorkerMessages(p: { workerId: number; now: Date }): Promise<number>;
  /** Delete rows unconditionally (admin); per-id result. Runs and steps of those messages go with them. */
  deleteMessages(p: { ids: readonly number[] }): Promise<boolean[]>;
  getMessage(id: number): Promise<QueueMessage | null>;
  /** Ordered by id. Missing ids are skipped. */
  getMessages(ids: readonly number[]): Promise<QueueMessage[]>;
  /** Newest first (`enqueued_at DESC, id DESC`); archived ones by `archived_at DESC`. */
  listMessages(p: ListMessagesParams): Promise<QueueMessage[]>;
  countMessages(p: Omit<ListMessagesParams, keyof Page>): Promise<number>;
  /**
   * Dead-letter the unarchived messages of the queue (of every queue without `queueId`) with `read_ct >= maxReadCt`
   * that are not under a live lease: `archived_at = now, dead_lettered_at = now`. In the same transaction, the
   * workflow runs of those messages that are not finished (QUEUED, RUNNING, PAUSED, CANCELLING) become ERROR with
   * `{"code": "DEAD_LETTERED", "message": …}`: their message will not be delivered again. Returns the message ids
   * and the failed run ids, each ascending. One statement or one transaction: both apply or neither.
   */
  deadLetter(p: { queueId?: number; maxReadCt: number; now: Date }): Promise<DeadLetterResult>;
  /**
   * Put a dead-lettered message of that queue back: `archived_at = NULL, dead_lettered_at = NULL, read_ct = 0,
   * vt = now, enqueued_at = now, consumer_worker_id = NULL, dequeued_at = NULL`. `null` when it is not a
   * dead-lettered message of that queue (dead: `archived_at` set and equal to `dead_lettered_at`; a message pgqrs
   * replayed is not).
   */
  replayDeadLetter(p: { queueId: number; id: number; now: Date }): Promise<QueueMessage | null>;

  /**
   * Wake-up on enqueue (only when `capabilities.listenNotify`): `onNotify` is called soon after messages of the
   * queue are inserted through another backend instance (another process, or another store in this one). Inserts
   * through this instance are not reported: the engine wakes its own consumers in-process when they commit. A hint
   * only: it may be late, spurious or lost while the listening connection reconnects, so callers keep polling.
   * Resolves with the function that ends the subscription.
   */
  listen?(p: EnqueueListenParams): Promise<() => Promise<void>>;
}
