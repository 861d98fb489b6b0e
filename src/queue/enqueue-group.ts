/**
 * Group commit for one producer's single enqueues: the enqueues that arrive while an insert is in flight wait, and
 * go together in the next one, one multi-row insert and so one durable commit for all of them
 * (`EnqueueParams.rows`: each row keeps its own times, priority and headers).
 *
 * What each caller still gets of its own:
 * - its row and id: rows come back in member order, ids drawn in that order (earlier callers get smaller ids);
 * - its durability: a member's promise settles only when the statement that holds its row has returned, i.e.
 *   after its commit;
 * - its error: payloads and options are checked by the producer before a member joins, so a bad one never
 *   reaches the shared insert. When the database refuses the shared insert anyway (a constraint or trigger about
 *   one row, the queue deleted meanwhile, …), the members are retried one by one and each gets the answer its own
 *   insert gets. Only a connection failure fails every member at once, with that error: the insert may or may not
 *   have committed, which a retry would turn into duplicates, and it is the answer each of them would have had
 *   alone.
 *
 * No timers: a member that finds nothing in flight is inserted at once, alone, so a sequential caller never
 * waits. After a flush of several members (or when members are waiting), the group yields one turn of the event
 * loop before the next flush, so the callers just answered can enqueue again and ride along instead of one of
 * them taking the next insert alone.
 */
import { isPgqrsError } from "../errors.js";
import type { EnqueueParams, EnqueueRowValues } from "../store/message-params.js";
import type { QueueMessage } from "../types.js";

/** Where a group writes: its producer's queue and the store's enqueue. */
export interface EnqueueGroupTarget {
  readonly queueId: number;
  readonly producerWorkerId: number;
  /** The store backend's `enqueue`. */
  write(p: EnqueueParams): Promise<QueueMessage[]>;
}

/** At most this many members per insert; the rest wait for the next one. */
export const MAX_ROWS_PER_FLUSH = 1_000;
/** At most this many characters of payload per insert (one statement's parameters stay small). */
export const MAX_CHARS_PER_FLUSH = 4 * 1_048_576;

interface Member {
  readonly payload: string;
  readonly row: EnqueueRowValues;
  resolve(message: QueueMessage): void;
  reject(err: unknown): void;
}

export class EnqueueGroup {
  readonly #target: EnqueueGroupTarget;
  #pending: Member[] = [];
  #busy = false;

  constructor(target: EnqueueGroupTarget) {
    this.#target = target;
  }

  /**
   * Insert one message (its serialised, checked payload and its row's values) with whatever else is waiting;
   * resolves with the stored message once its insert has committed.
   */
  add(payload: string, row: EnqueueRowValues): Promise<QueueMessage> {
    if (!this.#busy) return this.#lone(payload, row);
    return new Promise<QueueMessage>((resolve, reject) => {
      this.#pending.push({ payload, row, resolve, reject });
    });
  }

  /**
   * Nothing in flight: the plain single-row insert at once, straight to the store (no member record, no drain
   * loop), exactly what {@link #alone} sends. Calls that arrive meanwhile wait, and go together once it returns.
   */
  #lone(payload: string, row: EnqueueRowValues): Promise<QueueMessage> {
    this.#busy = true;
    let written: Promise<QueueMessage[]>;
    try {
      written = this.#target.write(this.#single(payload, row));
    } catch (err) {
      written = Promise.reject(err);
    }
    // Registered before the caller's own continuation, so the group is idle again (or flushing what waits) first.
    written.then(this.#afterLone, this.#afterLone);
    return written.then(firstMessage);
  }

  readonly #afterLone = (): void => {
    if (this.#pending.length === 0) {
      this.#busy = false;
      return;
    }
    // Members waited during the lone insert: one turn first, so the caller just answered can ride along too.
    this.#drain(true).catch((err: unknown) => {
      for (const m of this.#pending.splice(0)) m.reject(err);
    });
  };

  async #drain(yieldFirst = false): Promise<void> {
    this.#busy = true;
    try {
      if (yieldFirst) await nextTurn();
      while (this.#pending.length > 0) {
        const batch = this.#take();
        await this.#flush(batch);
        if (this.#pending.length > 0 || batch.length > 1) await nextTurn();
      }
    } finally {
      this.#busy = false;
    }
  }

  /** The next insert's members: the oldest waiting, within the row and size caps (at least one). */
  #take(): Member[] {
    let chars = 0;
    let n = 0;
    for (const m of this.#pending) {
      chars += m.payload.length;
      if (n > 0 && (n >= MAX_ROWS_PER_FLUSH || chars > MAX_CHARS_PER_FLUSH)) break;
      n += 1;
    }
    return this.#pending.splice(0, n);
  }

  async #flush(batch: readonly Member[]): Promise<void> {
    const [first] = batch;
    if (batch.length === 1 && first !== undefined) return this.#alone(first);
    let messages: QueueMessage[];
    try {
      messages = await this.#target.write({
        queueId: this.#target.queueId,
        producerWorkerId: this.#target.producerWorkerId,
        payloads: batch.map((m) => m.payload),
        // The shared values are unused: every row carries its own.
        enqueuedAt: batch[0]?.row.enqueuedAt as Date,
        visibleAt: batch[0]?.row.visibleAt as Date,
        rows: batch.map((m) => m.row),
      });
    } catch (err) {
      if (isPgqrsError(err, "CONNECTION_FAILED")) {
        for (const m of batch) m.reject(err);
        return;
      }
      // Refused as a whole, nothing written: each member alone gets its own answer.
      for (const m of batch) await this.#alone(m);
      return;
    }
    batch.forEach((m, i) => {
      m.resolve(messages[i] as QueueMessage);
    });
  }

  /** One member's own insert: the plain single-row enqueue, exactly as without a group. */
  async #alone(m: Member): Promise<void> {
    try {
      const [message] = await this.#target.write(this.#single(m.payload, m.row));
      m.resolve(message as QueueMessage);
    } catch (err) {
      m.reject(err);
    }
  }

  /** The store parameters of one row inserted on its own. */
  #single(payload: string, row: EnqueueRowValues): EnqueueParams {
    const { enqueuedAt, visibleAt, priority, headers } = row;
    const params: EnqueueParams = {
      queueId: this.#target.queueId,
      producerWorkerId: this.#target.producerWorkerId,
      payloads: [payload],
      enqueuedAt,
      visibleAt,
    };
    if (priority !== undefined) params.priority = priority;
    if (headers !== undefined) params.headers = headers;
    return params;
  }
}

function firstMessage(messages: QueueMessage[]): QueueMessage {
  return messages[0] as QueueMessage;
}

/** One turn of the event loop: every continuation already queued (callers just answered) runs first. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
