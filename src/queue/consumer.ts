/**
 * `Consumer`: a registered consumer of one queue. It holds the queue's settings as last read and is the surface
 * callers and loops use; its claims are in `consumer-claims.ts`, its releases in `consumer-release.ts`, listening
 * for messages in `message-listening.ts`, the options of claims and releases in `consumer-options.ts`. Operations
 * on held messages (extend, archive, delete, release) and its shutdown are here.
 */
import { PgqrsError } from "../errors.js";
import { eventsOf, type StoreEvents } from "../observability/events.js";
import { maxAttemptsOf } from "./retry-backoff.js";
import type { QueueMessage, QueueRecord, RunRecord, WorkerRecord } from "../types.js";
import { assertId, assertIds } from "../validation/arguments.js";
import { assertSeconds } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { WorkerHandle } from "../workers/worker-handle.js";
import { archiveAndClaim, claimMessages, claimStartingRuns } from "./consumer-claims.js";
import type { DequeueOptions, ReleaseOptions } from "./consumer-options.js";
import { releaseHeld } from "./consumer-release.js";
import type { HandoffOffer } from "./enqueue-signals.js";
import { emitCompleted, type MessageEventSource } from "./message-events.js";
import { checkIteratorOptions, MessageIterator, type MessageIteratorOptions } from "./message-iterator.js";
import { serializeProgress } from "./message-progress.js";
import { listenForQueueMessages, RemoteWakeOutcome } from "./message-listening.js";

export type { DequeueOptions, ReleaseOptions } from "./consumer-options.js";
export type { StopOptions } from "../workers/worker-handle.js";

/**
 * A registered consumer of one queue. Every mutation is owner-checked: it succeeds only while this consumer holds
 * the message's lease, so a consumer whose lease expired and was taken over gets `false`.
 */
export class Consumer extends WorkerHandle {
  #queue: QueueRecord;
  /** What the claims since the last wake-up from a notification found (the wake-up backoff). */
  readonly #wakes = new RemoteWakeOutcome();
  readonly #events: StoreEvents;

  /**
   * Internal: consumers are created by `store.consumer(...)` or the `consumer(name, queue)` builder, already
   * registered.
   */
  constructor(ctx: EngineContext, queue: QueueRecord, record: WorkerRecord) {
    super(ctx, record);
    this.#queue = queue;
    this.#events = eventsOf(ctx);
  }

  #eventSource: MessageEventSource | undefined;

  /** This consumer as the source of message events (made once: the id and queue never change). */
  get #source(): MessageEventSource {
    this.#eventSource ??= { workerId: this.id, queue: this.#queue.queueName, queueId: this.#queue.id };
    return this.#eventSource;
  }

  /** The queue, with its settings as last read (at registration, then at each loop maintenance). */
  get queue(): QueueRecord {
    return this.#queue;
  }

  /**
   * Read the queue's settings again (loops do this in their maintenance), so a limit or retry policy changed by
   * `updateQueue` in another process applies here. Keeps the old view when the queue is gone.
   */
  async refreshQueue(): Promise<QueueRecord> {
    this.ctx.assertOpen();
    const fresh = await this.ctx.backend.getQueueById(this.#queue.id);
    if (fresh !== null) this.#queue = fresh;
    return this.#queue;
  }

  /** True when the queue has a concurrency or rate limit: claims then go through the limited claim. */
  get limited(): boolean {
    return this.#queue.concurrencyLimit !== null || this.#queue.rateLimit !== null;
  }

  /** @internal `config.maxReadCt`: the attempts when neither the queue nor the loop sets `maxAttempts`. */
  get maxAttemptsDefault(): number {
    return this.ctx.config.maxReadCt;
  }

  /** Deliveries a message of this queue gets: the queue's `retry.maxAttempts`, else `config.maxReadCt`. */
  get maxAttempts(): number {
    return maxAttemptsOf(this.#queue, this.ctx.config.maxReadCt);
  }

  /** Claim up to `batchSize` messages, oldest first, in one statement. */
  dequeue<T = unknown>(options: DequeueOptions = {}): Promise<QueueMessage<T>[]> {
    return claimMessages<T>(this, this.ctx, this.#wakes, options);
  }

  /**
   * @internal A workflow worker's claim: up to `limit` messages with their runs created or started in the same
   * round trip (`run: null` when the backend could not tell). `undefined` when the backend has no such claim and
   * `versions` is not given. With `versions`, only messages of those versions or of none (`DequeueParams.versions`).
   */
  dequeueStartingRuns(
    limit: number,
    vtSeconds: number,
    versions?: readonly string[],
  ): Promise<{ message: QueueMessage; run: RunRecord | null }[] | undefined> {
    return claimStartingRuns(this, this.ctx, this.#wakes, limit, vtSeconds, versions);
  }

  /**
   * Archive held messages and claim the next ones in one round trip (the acknowledgement of a poll loop). The
   * archive is owner-checked as in {@link archiveMany}; the claim is {@link dequeue}'s and never returns one of
   * `ids`. On PostgreSQL, 200 ids or more with a claim of 200 or more go as the archive and two half claims sent at
   * once, each on its own connection; if one fails, nothing was claimed but the archive may have applied (its
   * `completed` events are emitted before the claim's error is thrown, and archiving those ids again returns false).
   */
  archiveAndDequeue<T = unknown>(
    ids: readonly number[],
    options: DequeueOptions = {},
  ): Promise<{ archived: boolean[]; messages: QueueMessage<T>[] }> {
    return archiveAndClaim<T>(this, this.ctx, this.#wakes, this.#events, this.#source, ids, options);
  }

  /**
   * Call `onMessages` when messages may have been enqueued to this queue (a hint: it may be late or spurious): at
   * once for enqueues through this store (`"local"`), and on the database's notifications for other processes'
   * enqueues when the backend has them (`"remote"`). Resolves with the function that stops listening.
   */
  listenForMessages(onMessages: (from: "local" | "remote") => void): Promise<() => Promise<void>> {
    return listenForQueueMessages(this.ctx, this, this.#wakes, onMessages);
  }

  /**
   * @internal A standing offer to take single, immediately visible messages that producers of this store enqueue to
   * this queue, leased for `vtSeconds` (see `EnqueueSignals`), whenever `reserve()` says yes; with `startsRun`
   * (only where the backend has `enqueueAndStartRun`) the insert also starts the message's workflow run. Returns
   * the function that withdraws the offer.
   */
  offerHandoffs(
    vtSeconds: number,
    startsRun: boolean,
    handlers: Pick<HandoffOffer, "reserve" | "deliver" | "cancel">,
  ): () => void {
    if (startsRun && this.ctx.backend.enqueueAndStartRun === undefined) return () => undefined;
    return this.ctx.enqueueSignals.offer(this.queue.id, {
      workerId: this.id,
      leaseMs: Math.round(vtSeconds * 1000),
      startsRun,
      ...handlers,
    });
  }

  /**
   * The messages of this queue as an async iterator (pgqrs's `consume_iter`), waiting when the queue is empty:
   *
   * ```ts
   * for await (const m of consumer.messages({ signal })) await handle(m);
   * ```
   *
   * Asking for the next message archives the one before it (the loop body finished it); leaving the loop (`break`,
   * `return`, or a body that throws: the iterator cannot tell them apart) releases the current message, visible again
   * at once, so nothing stays leased; archive it yourself before a `break` that should keep it done. An aborted
   * `signal` or an interrupted worker ends the loop. One iteration at a time per consumer. Options: see
   * {@link MessageIteratorOptions}; VALIDATION_FAILED for a bad one, before anything is claimed.
   */
  messages<T = unknown>(options: MessageIteratorOptions = {}): MessageIterator<T> {
    this.ctx.assertOpen();
    checkIteratorOptions(options);
    return new MessageIterator<T>(this, {
      batchSize: options.batchSize ?? 1,
      vtSeconds: options.vtSeconds ?? this.ctx.config.defaultVtSeconds,
      pollIntervalMs: options.pollIntervalMs ?? this.ctx.config.pollIntervalMs,
      signal: options.signal,
    });
  }

  /** pgqrs's `dequeue_many(limit)`. */
  async dequeueMany<T = unknown>(limit: number, vtSeconds?: number): Promise<QueueMessage<T>[]> {
    return this.dequeue<T>(vtSeconds === undefined ? { batchSize: limit } : { batchSize: limit, vtSeconds });
  }

  /** Lengthen the lease of a held message by `seconds` (from its current end, or from now if it ended). */
  async extendVt(id: number, seconds: number): Promise<boolean> {
    assertId("id", id);
    const [ok] = await this.extendVtMany([id], seconds);
    return ok ?? false;
  }

  /** {@link extendVt} for many ids; one result per id. */
  async extendVtMany(ids: readonly number[], seconds: number): Promise<boolean[]> {
    this.ctx.assertOpen();
    assertIds("ids", ids);
    assertSeconds("seconds", seconds);
    if (ids.length === 0) return [];
    return this.ctx.backend.extendVisibility({
      ids,
      workerId: this.id,
      now: this.now(),
      extendMs: Math.round(seconds * 1000),
    });
  }

  /** Mark a held message done. `false` when not held by this consumer or already archived. */
  async archive(id: number): Promise<boolean> {
    assertId("id", id);
    const [ok] = await this.archiveMany([id]);
    return ok ?? false;
  }

  /** {@link archive} for many ids in one statement; one result per id. */
  async archiveMany(ids: readonly number[]): Promise<boolean[]> {
    this.ctx.assertOpen();
    assertIds("ids", ids);
    if (ids.length === 0) return [];
    const results = await this.ctx.backend.archive({ ids, workerId: this.id, now: this.now() });
    emitCompleted(this.#events, this.#source, ids, results);
    return results;
  }

  /**
   * Report progress on a held message (BullMQ's `job.updateProgress`): any JSON value, replacing the last one, read
   * back as `QueueMessage.progress` everywhere (admin reads, and the claim of a redelivery, so a handler can resume
   * from its checkpoint). Owner-checked as {@link archive}: `false`, nothing written, once this consumer no longer
   * holds it (lease taken over, archived, deleted). VALIDATION_FAILED or PAYLOAD_TOO_LARGE as for a payload, before
   * anything is written; `null` clears it.
   */
  async updateProgress(id: number, progress: unknown): Promise<boolean> {
    this.ctx.assertOpen();
    assertId("id", id);
    const progressJson = serializeProgress(progress, this.ctx.config.validationConfig);
    return this.ctx.backend.updateProgress({ id, workerId: this.id, progressJson });
  }

  /** Delete a held message. `false` when not held by this consumer. */
  async delete(id: number): Promise<boolean> {
    assertId("id", id);
    const [ok] = await this.deleteMany([id]);
    return ok ?? false;
  }

  /** {@link delete} for many ids in one statement; one result per id. */
  async deleteMany(ids: readonly number[]): Promise<boolean[]> {
    this.ctx.assertOpen();
    assertIds("ids", ids);
    if (ids.length === 0) return [];
    return this.ctx.backend.deleteOwned({ ids, workerId: this.id, now: this.now() });
  }

  /** Give held messages back, visible now (`readCt` keeps counting). Returns how many were released. */
  async releaseMessages(ids: readonly number[]): Promise<number> {
    const results = await this.releaseMany(ids);
    return results.filter(Boolean).length;
  }

  /**
   * Give held messages back, visible at `visibleAt` (default now); one result per id. With `refundDelivery` the
   * lease does not count toward `maxReadCt` (the message was rescheduled, not failed).
   */
  releaseMany(ids: readonly number[], visibleAt?: Date, options: ReleaseOptions = {}): Promise<boolean[]> {
    return releaseHeld(this, this.ctx, this.#events, this.#source, ids, visibleAt, options);
  }

  /** Give a held message back, visible again at `visibleAt` (the primitive for "retry later"). */
  async releaseWithVisibility(id: number, visibleAt: Date): Promise<boolean> {
    assertId("id", id);
    const [ok] = await this.releaseMany([id], visibleAt);
    return ok ?? false;
  }

  /** Unarchived messages this consumer holds. */
  async heldMessageCount(): Promise<number> {
    this.ctx.assertOpen();
    return this.ctx.backend.countHeldMessages({ workerId: this.id });
  }

  /** @internal {@link WorkerHandle.markStopped}, then the `workerStopped` event when this call stopped it. */
  override async markStopped(): Promise<void> {
    const wasStopped = this.stopped;
    await super.markStopped();
    if (!wasStopped && this.stopped) this.#emitStopped();
  }

  #emitStopped(): void {
    if (!this.#events.has("workerStopped")) return;
    this.#events.emit("workerStopped", { workerId: this.id, name: this.name, queueId: this.#queue.id });
  }

  /** suspended → stopped; refused with WORKER_HAS_PENDING_MESSAGES while this consumer holds messages. */
  override async shutdown(): Promise<void> {
    const held = await this.heldMessageCount();
    if (held > 0) {
      throw new PgqrsError(
        "WORKER_HAS_PENDING_MESSAGES",
        `Worker has ${held} pending messages: Consumer has ${held} pending messages; archive, delete or release them first`,
        { details: { count: held } },
      );
    }
    await super.shutdown();
    this.#emitStopped();
  }
}
