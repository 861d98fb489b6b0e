/**
 * Group commit for one producer's single enqueues: the enqueues that arrive while an insert is in flight wait, and
 * go together in the next one, one multi-row insert and so one durable commit for all of them
 * (`EnqueueParams.rows`: each row keeps its own times, priority and headers). The mechanism (lone caller at once,
 * waiting, one turn between inserts, settling after the commit, the one-by-one retry) is store/group-commit.ts's.
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
import { GroupCommit, type GroupMember } from "../store/group-commit.js";
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

/** A waiting enqueue: its serialised payload and its row's values. */
type Member = GroupMember<string, EnqueueRowValues, QueueMessage>;

/** One producer's group commit of single enqueues (see the module comment); one per producer. */
export class EnqueueGroup {
  readonly #target: EnqueueGroupTarget;
  readonly #commit: GroupCommit<string, EnqueueRowValues, QueueMessage>;

  constructor(target: EnqueueGroupTarget) {
    this.#target = target;
    this.#commit = new GroupCommit({
      // Nothing in flight (or a member retried alone): the plain single-row insert, exactly as without a group.
      one: (payload, row) => target.write(this.#single(payload, row)).then(firstMessage),
      many: (batch) => this.#insertMany(batch),
      take: takeWithinCaps,
      failsAll: (err) => isPgqrsError(err, "CONNECTION_FAILED"),
    });
  }

  /**
   * Insert one message (its serialised, checked payload and its row's values) with whatever else is waiting;
   * resolves with the stored message once its insert has committed.
   */
  add(payload: string, row: EnqueueRowValues): Promise<QueueMessage> {
    return this.#commit.add(payload, row);
  }

  /** One multi-row insert of several members, each row with its own values. */
  #insertMany(batch: readonly Member[]): Promise<QueueMessage[]> {
    return this.#target.write({
      queueId: this.#target.queueId,
      producerWorkerId: this.#target.producerWorkerId,
      payloads: batch.map((m) => m.first),
      // The shared values are unused: every row carries its own.
      enqueuedAt: batch[0]?.second.enqueuedAt as Date,
      visibleAt: batch[0]?.second.visibleAt as Date,
      rows: batch.map((m) => m.second),
    });
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

/** The next insert's members: the oldest waiting, within the row and size caps (at least one). */
function takeWithinCaps(pending: Member[]): Member[] {
  let chars = 0;
  let n = 0;
  for (const m of pending) {
    chars += m.first.length;
    if (n > 0 && (n >= MAX_ROWS_PER_FLUSH || chars > MAX_CHARS_PER_FLUSH)) break;
    n += 1;
  }
  return pending.splice(0, n);
}

function firstMessage(messages: QueueMessage[]): QueueMessage {
  return messages[0] as QueueMessage;
}
