import type { Timers } from "../clock.js";
import { ValidationError } from "../errors.js";
import { eventsOf, type StoreEvents } from "../observability/events.js";
import { traceSend } from "../observability/tracing.js";
import { otelApi } from "../observability/tracing-api.js";
import type { EnqueueParams, EnqueueRowValues } from "../store/message-params.js";
import type { QueueMessage, QueueRecord, RunRecord, WorkerRecord } from "../types.js";
import { assertId } from "../validation/arguments.js";
import type { ValidationConfig } from "../validation-config.js";
import type { EngineContext } from "../workers/engine-context.js";
import { WorkerHandle } from "../workers/worker-handle.js";
import {
  type BatchEnqueueOptions,
  type EnqueueOptions,
  resolveEnqueueTimes,
  resolveMessageOptions,
} from "./enqueue-options.js";
import { EnqueueGroup } from "./enqueue-group.js";
import { serializeBatch, serializePayload } from "./payload-validation.js";
import { maxAttemptsOf } from "./retry-backoff.js";

export { type BatchEnqueueOptions, type EnqueueOptions, resolveEnqueueTimes } from "./enqueue-options.js";
import { type RateLimitStatus, TokenBucket } from "./token-bucket.js";

/** A registered producer of one queue: validates payloads, rate-limits (when configured) and inserts messages. */
export class Producer extends WorkerHandle {
  /** The queue this producer enqueues on. */
  readonly queue: QueueRecord;
  readonly #validation: ValidationConfig;
  readonly #bucket: TokenBucket | undefined;
  readonly #events: StoreEvents;
  /** Single enqueues of concurrent callers, inserted together (group commit). */
  readonly #group: EnqueueGroup;

  /**
   * Internal: producers are created by `store.producer(...)` or the `producer(name, queue)` builder, already
   * registered.
   */
  constructor(ctx: EngineContext, queue: QueueRecord, record: WorkerRecord, validation?: ValidationConfig) {
    super(ctx, record);
    this.queue = queue;
    this.#validation = validation ?? ctx.config.validationConfig;
    this.#events = eventsOf(ctx);
    this.#group = new EnqueueGroup({
      queueId: queue.id,
      producerWorkerId: record.id,
      write: (p) => ctx.backend.enqueue(p),
    });
    const rate = this.#validation.maxEnqueuePerSecond;
    this.#bucket =
      rate === null || rate === undefined
        ? undefined
        : new TokenBucket(rate, this.#validation.maxEnqueueBurst ?? 50, ctx.clock);
  }

  /**
   * Enqueue one payload; returns the stored message (with `deduplicated: true` when its `dedupKey` matched an
   * existing message, and nothing was written). Resolves once the row is committed. Concurrent calls on one
   * producer share inserts (group commit): calls made while an insert is in flight go together in the next one, each
   * with its own row, options and error; a lone call is inserted at once. Calls with a `dedupKey`, a `groupKey` or a
   * `tx` are inserted on their own.
   */
  async enqueue<T>(payload: T, options: EnqueueOptions = {}): Promise<QueueMessage<T>> {
    const messages = await this.#insert([serializePayload(payload, this.#validation)], options);
    return messages[0] as QueueMessage<T>;
  }

  /** Enqueue one payload that becomes visible `delaySeconds` from now. */
  async enqueueDelayed<T>(payload: T, delaySeconds: number): Promise<QueueMessage<T>> {
    return this.enqueue(payload, { delaySeconds });
  }

  /** Enqueue one payload as of time `at` (its `enqueuedAt`), visible at `at + delaySeconds`. */
  async enqueueAt<T>(payload: T, at: Date, delaySeconds = 0): Promise<QueueMessage<T>> {
    return this.enqueue(payload, { at, delaySeconds });
  }

  /**
   * Enqueue many payloads in one multi-row insert, all or nothing: one bad payload inserts none and the error
   * names its index. Returns the messages in payload order. An empty array inserts nothing.
   */
  async enqueueBatch<T>(payloads: readonly T[], options: BatchEnqueueOptions = {}): Promise<QueueMessage<T>[]> {
    if (!Array.isArray(payloads)) {
      throw new ValidationError("enqueueBatch takes an array of payloads");
    }
    if ((options as EnqueueOptions).dedupKey !== undefined) {
      throw new ValidationError("dedupKey applies to one message: use enqueue(payload, { dedupKey }) for each", {
        argument: "dedupKey",
      });
    }
    if (payloads.length === 0) return [];
    return (await this.#insert(serializeBatch(payloads, this.#validation), options)) as QueueMessage<T>[];
  }

  /** pgqrs's name for {@link enqueueBatch}. */
  async batchEnqueue<T>(payloads: readonly T[], options: BatchEnqueueOptions = {}): Promise<QueueMessage<T>[]> {
    return this.enqueueBatch(payloads, options);
  }

  /** Put a dead-lettered message of this queue back; `null` when `id` is not one. */
  async replayDlq(id: number): Promise<QueueMessage | null> {
    this.ctx.assertOpen();
    assertId("id", id);
    return this.ctx.backend.replayDeadLetter({ queueId: this.queue.id, id, now: this.now() });
  }

  /** The message with this id, or `null`. */
  async getMessageById(id: number): Promise<QueueMessage | null> {
    this.ctx.assertOpen();
    assertId("id", id);
    return this.ctx.backend.getMessage(id);
  }

  /** The settings payloads are checked against. */
  validationConfig(): ValidationConfig {
    return this.#validation;
  }

  /** The rate limiter's state, `null` when rate limiting is off. */
  rateLimitStatus(): RateLimitStatus | null {
    return this.#bucket?.status() ?? null;
  }

  /**
   * Write the messages: inside a `send` span when OpenTelemetry is present and a span is active (its context goes
   * on the rows as headers), then tell the store's `enqueued` listeners.
   */
  #insert(payloads: string[], options: EnqueueOptions): Promise<QueueMessage[]> {
    this.ctx.assertOpen();
    const api = otelApi();
    const written =
      api === null
        ? this.#write(payloads, options, undefined)
        : traceSend(api, this.queue.queueName, payloads.length, (headers) => this.#write(payloads, options, headers));
    return this.#events.has("enqueued") ? written.then((messages) => this.#emitEnqueued(messages)) : written;
  }

  #emitEnqueued(messages: QueueMessage[]): QueueMessage[] {
    if (messages[0]?.deduplicated !== true) {
      this.#events.emit("enqueued", {
        queue: this.queue.queueName,
        queueId: this.queue.id,
        messageIds: messages.map((m) => m.id),
        producerWorkerId: this.id,
      });
    }
    return messages;
  }

  /**
   * Whether these messages ride in the group commit (see enqueue-group.ts): one message without a dedup key (which
   * needs its own answer, the existing message) or a group key (which takes its group's lock before its id).
   * Batches are already one insert; `tx` enqueues and handoffs never reach here.
   */
  #rides(payloads: readonly string[], extra: { dedupKey?: string; groupKey?: string }): boolean {
    return payloads.length === 1 && extra.dedupKey === undefined && extra.groupKey === undefined;
  }

  async #write(
    payloads: string[],
    options: EnqueueOptions,
    headers: Record<string, string> | undefined,
  ): Promise<QueueMessage[]> {
    const now = this.now();
    const { enqueuedAt, visibleAt } = resolveEnqueueTimes(now, options);
    const extra = resolveMessageOptions(options, payloads.length);
    this.#bucket?.acquire(payloads.length);
    const visibleNow = visibleAt.getTime() <= now.getTime();
    // A single message visible now goes straight to an idle handler loop of this store, if one offers: inserted
    // leased to it, so it starts without a claim round trip. Messages with an explicit time, a delay, a group or a
    // dedup key do not, so they keep their place in the queue's order and rules.
    const handoff =
      payloads.length === 1 &&
      visibleNow &&
      extra.tx === undefined &&
      options.at === undefined &&
      extra.groupKey === undefined &&
      extra.dedupKey === undefined
        ? this.ctx.enqueueSignals.take(this.queue.id)
        : undefined;
    if (handoff === undefined && extra.tx === undefined && this.#rides(payloads, extra)) {
      // The group's own insert (alone when nothing is in flight): no store parameters to build here.
      const row: EnqueueRowValues = { enqueuedAt, visibleAt };
      if (extra.priority !== undefined) row.priority = extra.priority;
      if (headers !== undefined) row.headers = headers;
      const message = await this.#group.add(payloads[0] as string, row);
      if (visibleNow) this.ctx.enqueueSignals.signal(this.queue.id);
      return [message];
    }
    const params: EnqueueParams = {
      queueId: this.queue.id,
      payloads,
      producerWorkerId: this.id,
      enqueuedAt,
      visibleAt,
      ...extra,
    };
    if (headers !== undefined) params.headers = headers;
    const backend = this.ctx.backend;
    if (extra.tx !== undefined) {
      // Called synchronously from here (no await before it), so a SQLite backend writes inside the caller's
      // synchronous transaction function.
      const inserted = backend.enqueue(params);
      const messages = await inserted;
      if (visibleNow) signalAfterCommit(extra.tx, () => this.ctx.enqueueSignals.signal(this.queue.id), this.timers);
      return messages;
    }
    let messages: QueueMessage[];
    let run: RunRecord | null | undefined;
    try {
      if (handoff === undefined) {
        messages = await backend.enqueue(params);
      } else {
        const leaseTo = {
          workerId: handoff.workerId,
          now,
          leaseEnd: new Date(now.getTime() + handoff.leaseMs),
          maxReadCt: maxAttemptsOf(this.queue, this.ctx.config.maxReadCt),
        };
        if (handoff.startsRun && backend.enqueueAndStartRun !== undefined) {
          const started = await backend.enqueueAndStartRun({ ...params, leaseTo });
          messages = [started.message];
          run = started.run;
        } else {
          messages = await backend.enqueue({ ...params, leaseTo });
        }
      }
    } catch (err) {
      handoff?.cancel();
      throw err;
    }
    const [first] = messages;
    if (handoff !== undefined && first !== undefined && first.consumerWorkerId === handoff.workerId) {
      // The loop gets its own copy: what its handler does to the message is not the caller's business.
      handoff.deliver({ ...first, payload: JSON.parse(payloads[0] as string) as unknown }, run);
      // The caller sees what it enqueued, as for any enqueue; the lease is the consumer's claim that followed.
      return [{ ...first, vt: visibleAt, readCt: 0, dequeuedAt: null, consumerWorkerId: null }];
    }
    handoff?.cancel();
    if (visibleNow && first?.deduplicated !== true) this.ctx.enqueueSignals.signal(this.queue.id);
    return messages;
  }
}

/**
 * Wake this store's consumers once the caller's transaction has ended. A better-sqlite3 Database says whether a
 * transaction is open (`inTransaction`): checked from the event loop, backing off to 1 s, for at most 10 minutes.
 * A node-postgres client says nothing: there the database's notification, sent at commit, wakes every listener.
 */
function signalAfterCommit(tx: unknown, signal: () => void, timers: Timers): void {
  const probe = tx as { inTransaction?: unknown };
  if (typeof probe.inTransaction !== "boolean") return;
  let waitMs = 0;
  let waited = 0;
  const check = () => {
    if (probe.inTransaction !== true) {
      signal();
      return;
    }
    waited += waitMs;
    if (waited > 600_000) return;
    waitMs = Math.min(1_000, Math.max(1, waitMs * 2));
    timers.setTimeout(check, waitMs, { unref: true });
  };
  setImmediate(check);
}
