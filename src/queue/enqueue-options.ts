/**
 * The options of an enqueue (when the message becomes visible, its priority, keys, and the application's own
 * transaction), checked before anything is written.
 */
import { ValidationError } from "../errors.js";
import type { EnqueueParams } from "../store/store.js";
import { assertDate, assertSeconds, timeAfter } from "../validation/time-arguments.js";
import { assertMessageKey, assertPriority } from "../validation/queue-settings.js";

/** How and when a batch of messages is enqueued. */
export interface BatchEnqueueOptions {
  /** Visible this many seconds after the reference time: 0 to 100 years (3,155,760,000 s). Default 0. */
  delaySeconds?: number;
  /**
   * Reference time: the message's `enqueuedAt`, and visible at `at + delaySeconds`; a Date from 1970-01-01 to
   * 9999-12-31T23:59:59.999Z. Default the clock's now.
   */
  at?: Date;
  /** Claimed before lower priorities: an integer −1,000,000 to 1,000,000, higher first. Default 0. */
  priority?: number;
  /**
   * Ordered group (non-empty, at most 255 characters): messages of one group are delivered one at a time in
   * enqueue order, the next only once the previous is archived or dead-lettered; groups run in parallel.
   */
  groupKey?: string;
  /**
   * The application's own open transaction (outbox): a node-postgres client inside `BEGIN` (PostgreSQL), or the
   * application's better-sqlite3 Database with a transaction open (SQLite; the row is written before `enqueue`
   * returns its promise, so it works inside `db.transaction(fn)` too). The message exists if and only if that
   * transaction commits; consumers are woken when it does (PostgreSQL: by the database's notification; SQLite:
   * this process's consumers once the transaction has ended, other processes at their next poll).
   */
  tx?: unknown;
}

/** How and when one message is enqueued. */
export interface EnqueueOptions extends BatchEnqueueOptions {
  /**
   * Deduplication key (non-empty, at most 255 characters): while an unarchived message of the queue has this key,
   * enqueueing another writes nothing and returns that message with `deduplicated: true`. Race-free across
   * processes (a unique index).
   */
  dedupKey?: string;
  /**
   * With `dedupKey`: also match a message archived (done or dead-lettered) within this many seconds, 0 to 1 year
   * (31,536,000). Default 0.
   */
  dedupWindowSeconds?: number;
}

const YEAR_SECONDS = 31_536_000;

/**
 * `enqueuedAt` and first visibility. VALIDATION_FAILED naming the argument, before anything is written, for an
 * `at` that is not a Date in 1970-9999, a `delaySeconds` that is not 0 to 100 years, or a visibility time past 9999
 * (see `validation/time-arguments.ts`).
 */
export function resolveEnqueueTimes(now: Date, options: BatchEnqueueOptions): { enqueuedAt: Date; visibleAt: Date } {
  const at = options.at === undefined ? now : assertDate("at", options.at);
  const delay = options.delaySeconds === undefined ? 0 : assertSeconds("delaySeconds", options.delaySeconds);
  return { enqueuedAt: at, visibleAt: timeAfter("delaySeconds", at, delay * 1000) };
}

/** The store parameters of the per-message options, checked (VALIDATION_FAILED naming the option). */
export function resolveMessageOptions(
  options: EnqueueOptions,
  count: number,
): Pick<EnqueueParams, "priority" | "groupKey" | "dedupKey" | "dedupWindowMs" | "tx"> {
  const out: Pick<EnqueueParams, "priority" | "groupKey" | "dedupKey" | "dedupWindowMs" | "tx"> = {};
  if (options.priority !== undefined) out.priority = assertPriority(options.priority);
  if (options.groupKey !== undefined) out.groupKey = assertMessageKey("groupKey", options.groupKey);
  if (options.dedupKey !== undefined) {
    out.dedupKey = assertMessageKey("dedupKey", options.dedupKey);
    if (count !== 1) {
      throw new ValidationError("dedupKey applies to one message: enqueue each message with its own key", {
        argument: "dedupKey",
      });
    }
  }
  if (options.dedupWindowSeconds !== undefined) {
    const seconds = assertSeconds("dedupWindowSeconds", options.dedupWindowSeconds);
    if (seconds > YEAR_SECONDS) {
      throw new ValidationError(`dedupWindowSeconds must be at most ${YEAR_SECONDS} (1 year), got ${seconds}`, {
        argument: "dedupWindowSeconds",
      });
    }
    if (out.dedupKey === undefined) {
      throw new ValidationError("dedupWindowSeconds needs a dedupKey", { argument: "dedupWindowSeconds" });
    }
    out.dedupWindowMs = Math.round(seconds * 1000);
  }
  if (options.tx !== undefined) {
    if (typeof options.tx !== "object" || options.tx === null) {
      throw new ValidationError(
        "tx must be your own open transaction: a node-postgres client (PostgreSQL) or a better-sqlite3 Database (SQLite)",
        { argument: "tx" },
      );
    }
    out.tx = options.tx;
  }
  return out;
}
