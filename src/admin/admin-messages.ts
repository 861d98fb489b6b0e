/** The messages part of `Admin`: messages by id whoever holds them, and the dead-letter queue. */
import { PgqrsError, ValidationError } from "../errors.js";
import { maxAttemptsOf } from "../queue/retry-backoff.js";
import type { Page, QueueMessage } from "../types.js";
import { assertId, assertIds, assertPage } from "../validation/arguments.js";
import { openBackend } from "./admin-base.js";
import { AdminWorkers } from "./admin-workers.js";
import { type QueueRef, resolveQueue } from "./queue-ref.js";

/** Message and dead-letter administration of one store. */
export class AdminMessages extends AdminWorkers {
  get #backend() {
    return openBackend(this.store);
  }

  #now(): Date {
    return this.store.clock.now();
  }

  /**
   * Dead-letter the queue's messages that reached their queue's attempt limit (`retry.maxAttempts`, else the
   * store's `maxReadCt`) and are not under a live lease; without a queue, every queue's (pgqrs's `dlq()`), each
   * against its own limit. Returns their ids, ascending. A dead-lettered workflow message will not be delivered
   * again, so its unfinished run fails (ERROR, `code: "DEAD_LETTERED"`) in the same transaction; a replay of the
   * message does not revive the run (trigger it again instead).
   */
  async dlq(queue?: QueueRef): Promise<number[]> {
    const maxReadCt = this.store.config.maxReadCt;
    if (queue !== undefined) {
      const q = await resolveQueue(this.store, queue);
      return this.#deadLetter(q.id, maxAttemptsOf(q, maxReadCt));
    }
    // One statement for every queue when they all share the store's limit, as pgqrs's; else one per queue, so a
    // queue that allows more attempts keeps the messages that still have some.
    const queues = await this.#backend.listQueues();
    if (queues.every((q) => maxAttemptsOf(q, maxReadCt) === maxReadCt)) return this.#deadLetter(undefined, maxReadCt);
    const ids: number[] = [];
    for (const q of queues) ids.push(...(await this.#deadLetter(q.id, maxAttemptsOf(q, maxReadCt))));
    return ids.sort((a, b) => a - b);
  }

  async #deadLetter(queueId: number | undefined, maxReadCt: number): Promise<number[]> {
    const { ids } = await this.#backend.deadLetter({
      ...(queueId === undefined ? {} : { queueId }),
      maxReadCt,
      now: this.#now(),
    });
    return ids;
  }

  /** The queue's dead-lettered messages, most recent first. */
  async listDlq(queue: QueueRef, page: Page = {}): Promise<QueueMessage[]> {
    assertPage(page);
    const q = await resolveQueue(this.store, queue);
    return this.#backend.listMessages({ ...page, queueId: q.id, state: "dead" });
  }

  /** Put a dead-lettered message of the queue back (read count 0, visible now); `null` if it is not one. */
  async replayDlq(queue: QueueRef, id: number): Promise<QueueMessage | null> {
    assertId("id", id);
    const q = await resolveQueue(this.store, queue);
    return this.#backend.replayDeadLetter({ queueId: q.id, id, now: this.#now() });
  }

  /** The message of that id (any state). MESSAGE_NOT_FOUND when missing. */
  async getMessage(id: number): Promise<QueueMessage> {
    assertId("id", id);
    const m = await this.#backend.getMessage(id);
    if (m === null) throw messageNotFound(id);
    return m;
  }

  /** Delete messages by id whoever holds them (with their workflow runs); one result per id. */
  async deleteMessages(ids: readonly number[]): Promise<boolean[]> {
    assertIds("ids", ids);
    return this.#backend.deleteMessages({ ids });
  }

  /**
   * Archive a message by id as an operator, overriding its consumer's lease. Only a message some consumer has
   * taken can be archived this way (the store archives on behalf of an owner); `false` when it is already
   * archived, VALIDATION_FAILED when it was never delivered (delete it instead).
   */
  async archiveMessage(id: number): Promise<boolean> {
    const m = await this.getMessage(id);
    if (m.archivedAt !== null) return false;
    if (m.consumerWorkerId === null) {
      throw new ValidationError(
        `message ${id} has not been delivered to a consumer, so it cannot be archived; delete it instead`,
        { id },
      );
    }
    const [ok] = await this.#backend.archive({ ids: [id], workerId: m.consumerWorkerId, now: this.#now() });
    return ok ?? false;
  }
}

function messageNotFound(id: number): PgqrsError {
  return new PgqrsError("MESSAGE_NOT_FOUND", `Message with id '${id}' not found`, { details: { messageId: id } });
}
