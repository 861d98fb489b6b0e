/**
 * Claims that start after the last claimed position (issue 21, item 3: a sustained drain).
 *
 * Every claim and archive leaves a dead row version whose entries stay in `idx_pgqrs_messages_claim` until a vacuum
 * removes them, at the head of the queue's range, where a plain claim's scan starts: after a million messages a
 * claim steps over millions of dead entries, and a long drain slowed to half its rate. A bounded claim reads the
 * index in four ranges, in claim order (priority DESC, enqueued_at, id), and stops as soon as it has `limit` rows:
 *
 * 1. higher priorities than the bound's, from their start (a message enqueued there since is claimed first);
 * 2. the bound's priority after the bound: where a drain's next messages are, past the dead entries;
 * 3. the bound's priority up to the bound: read only when range 2 came back short, so messages that became visible
 *    behind the bound (a retry, an expired lease, a delayed message, a transaction that committed late) are
 *    claimed whenever the queue past the bound runs dry;
 * 4. lower priorities.
 *
 * While the queue past the bound holds enough, a message behind it waits: this store's own releases drop the bound,
 * and a bound is used for at most {@link CLAIM_BOUND_MAX_AGE_MS} of claim time, after which a claim from the head
 * sets a new one. The group head rule and the limits guard are checked in every range as in the plain claim.
 */
import type { QueueMessage } from "../../types.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { noLimits } from "./postgres-leased-insert.js";
import { groupHead } from "./postgres-message-leases.js";

/** Longest use (ms of claim time) of one bound before a claim from the head of the queue. */
export const CLAIM_BOUND_MAX_AGE_MS = 1_000;

/** A position in claim order, and the claim time it was set at. */
interface Bound {
  priority: number;
  enqueuedAt: Date;
  id: number;
  setAtMs: number;
}

/** The parameters a bounded claim appends: the bound's priority, enqueued_at and id. */
export type BoundValues = [priority: number, enqueuedAt: Date, id: number];

/** Per queue, the last position claimed through this store. */
export interface ClaimBounds {
  /** The bound to claim after at claim time `now`, or undefined: claim from the head. */
  get(queueId: number, now: Date): BoundValues | undefined;
  /** After a claim at `now`: the bound moves to the last of `claimed` in claim order (never back). */
  claimed(queueId: number, now: Date, claimed: readonly QueueMessage[], bounded: boolean): void;
  /** Messages may have become claimable behind the bounds (a release): the next claims start at the head. */
  reset(): void;
}

/** Claim order: negative when `a` comes before `b`. */
function compare(a: Omit<Bound, "setAtMs">, b: Omit<Bound, "setAtMs">): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const t = a.enqueuedAt.getTime() - b.enqueuedAt.getTime();
  return t !== 0 ? t : a.id - b.id;
}

export function createClaimBounds(maxAgeMs = CLAIM_BOUND_MAX_AGE_MS): ClaimBounds {
  const bounds = new Map<number, Bound>();
  return {
    get(queueId, now) {
      const b = bounds.get(queueId);
      if (b === undefined) return undefined;
      const age = now.getTime() - b.setAtMs;
      if (age < 0 || age >= maxAgeMs) {
        bounds.delete(queueId);
        return undefined;
      }
      return [b.priority, b.enqueuedAt, b.id];
    },
    claimed(queueId, now, claimed, bounded) {
      let last: QueueMessage | undefined;
      for (const m of claimed) if (last === undefined || compare(m, last) > 0) last = m;
      if (last === undefined) return;
      const current = bounds.get(queueId);
      // A claim from the head starts a new bound's age; a bounded one keeps the age of the bound it started from.
      const setAtMs = bounded && current !== undefined ? current.setAtMs : now.getTime();
      // `enqueuedAt` comes back in milliseconds (the column may hold microseconds): at or before the row, never after.
      const next = { priority: last.priority, enqueuedAt: last.enqueuedAt, id: last.id, setAtMs };
      if (current !== undefined && bounded && compare(next, current) <= 0) return;
      bounds.set(queueId, next);
    },
    reset() {
      bounds.clear();
    },
  };
}

/**
 * The candidate ids of a bounded claim, in claim order, at most `limit` ($4), each locked `FOR NO KEY UPDATE SKIP
 * LOCKED`: $1 queue, $2 now, $3 maxReadCt, $4 limit, and the bound at `$p`, `$p+1`, `$p+2` (priority, enqueued_at,
 * id). `filter`: more conditions on the candidate `c` (` AND …`). The ranges are read lazily, in order: a later one
 * is read only when the earlier ones gave fewer than `limit` rows.
 */
export function boundedCandidates(conn: PostgresConnection, p: number, filter = ""): string {
  const messages = conn.t("pgqrs_messages");
  const [bp, be, bi] = [`$${p}::int`, `$${p + 1}::timestamptz`, `$${p + 2}::bigint`];
  const range = (cond: string) => `SELECT r.id FROM (
          SELECT c.id FROM ${messages} c
           WHERE c.queue_id = $1 AND ${cond} AND c.archived_at IS NULL AND c.vt <= $2 AND c.read_ct < $3${filter}
             AND ${groupHead(conn, "c")}
             AND ${noLimits(conn, "$1")}
           ORDER BY c.priority DESC, c.enqueued_at, c.id
           LIMIT $4
           FOR NO KEY UPDATE SKIP LOCKED) r`;
  return `SELECT b.id FROM (
        ${range(`c.priority > ${bp}`)}
        UNION ALL
        ${range(`c.priority = ${bp} AND (c.enqueued_at, c.id) > (${be}, ${bi})`)}
        UNION ALL
        ${range(`c.priority = ${bp} AND (c.enqueued_at, c.id) <= (${be}, ${bi})`)}
        UNION ALL
        ${range(`c.priority < ${bp}`)}) b
      LIMIT $4`;
}
