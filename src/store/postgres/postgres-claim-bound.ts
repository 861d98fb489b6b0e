/**
 * Claim bounds: where a long drain's claims start their scan of `idx_pgqrs_messages_claim`, so they do not step over
 * every dead entry at the head of the queue, while the claim order stays pgqrs's (priority DESC, enqueued_at, id).
 *
 * Every claim and archive leaves a dead entry in the claim index until a vacuum removes it, at the head of the
 * queue's range, where a claim's scan starts: half a million of them made one 800-message claim read 5,388 buffers
 * (docs/scaling.md). A store that claims a full batch remembers, per queue, a bound: a priority level and a position
 * (enqueued_at, id) in it such that every row of that level before it is archived. The next claims read three
 * ranges of the index in claim order under one LIMIT: the higher levels from the head, the bound's level from the
 * bound, the lower levels; and they return the first unarchived row at or past the bound, which becomes the next
 * bound. So the bound moves only past archived rows, never past a leased, delayed, released or grouped one: every
 * row that can become claimable again stays ahead of it.
 *
 * What the statement's snapshot cannot see is a row committed after it: a row enqueued with an older position than
 * the bound (a transaction held open, a producer whose clock is behind) would sit behind it. So the bound never
 * moves to a row enqueued less than {@link CLAIM_BOUND_MARGIN_MS} before the claim, and the queue is scanned from
 * its head again after any claim that comes back short (the loop has caught up), after a bounded claim that found no
 * unarchived row in its level, and at least every {@link CLAIM_BOUND_FULL_SCAN_MS}.
 */
import type { QueueMessage } from "../../types.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";

/** How recent (ms before the claim's time) a row may be enqueued and still become a bound. */
export const CLAIM_BOUND_MARGIN_MS = 2_000;

/** Longest time (ms, on the claims' clock) between two claims of a queue that scan from its head. */
export const CLAIM_BOUND_FULL_SCAN_MS = 1_000;

/**
 * Where a claim of one queue starts: the rows of `level` before (`enqueuedAt`, `id`) are archived; `enqueuedAt`
 * null is the level's start. `probe`: the claim also looks for the next bound (the first unarchived row at or past
 * this one); off while that row is known to be too recent to become one, so the claim does not read the index
 * twice for nothing.
 */
export interface ClaimBound {
  readonly level: number;
  readonly enqueuedAt: Date | null;
  readonly id: number;
  readonly probe: boolean;
}

/** The bound's statement parameters: level, enqueued_at (`-infinity` for the level's start), id, probe. */
export function boundValues(b: ClaimBound): [number, Date | string, number, boolean] {
  return [b.level, b.enqueuedAt ?? "-infinity", b.id, b.probe];
}

/** The placeholders of a bound's parameters in a claim statement, in {@link boundValues}'s order. */
export interface BoundParams {
  /** The bound's priority level (`int`). */
  readonly level: string;
  /** Its position's `enqueued_at` (`timestamptz`, `-infinity` for the level's start). */
  readonly at: string;
  /** Its position's `id` (`bigint`). */
  readonly id: string;
  /** Whether the claim probes for the next bound (`boolean`). */
  readonly probe: string;
}

/** The placeholders of a bound whose parameters start at `$first`. */
export function boundParams(first: number): BoundParams {
  return { level: `$${first}`, at: `$${first + 1}`, id: `$${first + 2}`, probe: `$${first + 3}` };
}

/** A store's bounds, one per queue. */
export interface ClaimBounds {
  /** The bound for a claim of `queueId` at `nowMs`, or undefined: scan from the queue's head. */
  next(queueId: number, nowMs: number): ClaimBound | undefined;
  /**
   * After a claim from the head that returned `claimed` of `limit` rows, the first of them (in claim order) of
   * priority `firstLevel`: a full batch starts bounded claims of that level from its start.
   */
  afterFull(queueId: number, nowMs: number, claimed: number, limit: number, firstLevel: number | undefined): void;
  /**
   * After a claim from `used` that returned `claimed` of `limit` rows; `first` the first unarchived row of the level
   * at or past `used` (the statement's snapshot) if it probed for one and found one.
   */
  afterBounded(
    queueId: number,
    nowMs: number,
    used: ClaimBound,
    claimed: number,
    limit: number,
    first: { enqueuedAt: Date; id: number } | undefined,
  ): void;
}

interface QueueBound {
  bound: Omit<ClaimBound, "probe">;
  /** When (ms) the scan from the head that started this run of bounded claims was sent. */
  fullAtMs: number;
  /**
   * From when (ms) the claims probe for the next bound again: a first unarchived row too recent to be a bound stays
   * the first until it is archived or old enough, so probing before then would read the same entries for nothing.
   * (The bound cannot follow the clock meanwhile: a row enqueued after the probe's snapshot, within the margin, may
   * sit before that row.)
   */
  probeAtMs: number;
}

/** Row order within a level: (enqueuedAt, id). */
function after(a: QueueBound["bound"], b: QueueBound["bound"]): boolean {
  if (a.enqueuedAt === null) return false;
  if (b.enqueuedAt === null) return true;
  const d = a.enqueuedAt.getTime() - b.enqueuedAt.getTime();
  return d > 0 || (d === 0 && a.id > b.id);
}

/** `marginMs` (default {@link CLAIM_BOUND_MARGIN_MS}), `fullScanMs` (default {@link CLAIM_BOUND_FULL_SCAN_MS}). */
export function createClaimBounds(
  marginMs = CLAIM_BOUND_MARGIN_MS,
  fullScanMs = CLAIM_BOUND_FULL_SCAN_MS,
): ClaimBounds {
  const byQueue = new Map<number, QueueBound>();
  return {
    next(queueId, nowMs) {
      const q = byQueue.get(queueId);
      if (q === undefined) return undefined;
      if (nowMs - q.fullAtMs >= fullScanMs || nowMs < q.fullAtMs) {
        byQueue.delete(queueId);
        return undefined;
      }
      return { ...q.bound, probe: nowMs >= q.probeAtMs };
    },
    afterFull(queueId, nowMs, claimed, limit, firstLevel) {
      if (claimed < limit || firstLevel === undefined) {
        byQueue.delete(queueId);
        return;
      }
      byQueue.set(queueId, { bound: { level: firstLevel, enqueuedAt: null, id: 0 }, fullAtMs: nowMs, probeAtMs: 0 });
    },
    afterBounded(queueId, nowMs, used, claimed, limit, first) {
      const q = byQueue.get(queueId);
      if (claimed < limit || (used.probe && first === undefined)) {
        byQueue.delete(queueId);
        return;
      }
      // Another claim of this queue may have reset or restarted the bounds meanwhile: keep what it decided.
      if (q === undefined || q.bound.level !== used.level || first === undefined) return;
      const cap = nowMs - marginMs;
      const recent = first.enqueuedAt.getTime() > cap;
      const next = recent
        ? { level: used.level, enqueuedAt: new Date(cap), id: 0 }
        : { level: used.level, enqueuedAt: first.enqueuedAt, id: first.id };
      // Bounds only move forward: a claim answered late may carry an older one.
      if (after(next, q.bound)) q.bound = next;
      // A first row too recent to be a bound stays the first until it is archived: probe again once it is old enough.
      q.probeAtMs = recent ? first.enqueuedAt.getTime() + marginMs : 0;
    },
  };
}

/**
 * Tells `bounds` how a claim of `p.queueId` at `p.now` went: `messages` (in claim order) of `limit` claimed, from
 * `used` (undefined: from the head); a bounded claim's `rows` carry the next bound on the first row.
 */
export function settleClaim(
  bounds: ClaimBounds,
  p: { queueId: number; now: Date },
  limit: number,
  used: ClaimBound | undefined,
  rows: readonly Row[],
  messages: readonly QueueMessage[],
): void {
  const nowMs = p.now.getTime();
  if (used === undefined) {
    bounds.afterFull(p.queueId, nowMs, messages.length, limit, messages[0]?.priority);
    return;
  }
  const at = rows[0]?.bound_at as Date | null | undefined;
  const first = at === null || at === undefined ? undefined : { enqueuedAt: at, id: Number(rows[0]?.bound_id) };
  bounds.afterBounded(p.queueId, nowMs, used, messages.length, limit, first);
}

/**
 * The claim's candidate ids from a bound, in claim order, locked: $1 queue, $2 now, $3 maxReadCt, $4 limit, `bound`
 * the bound's placeholders (its probe flag is not read here); `rules` the claim's other conditions on the
 * candidate `c` (` AND …`: the group head rule, the limits guard). The three ranges are
 * sub-selects of their own (a row lock cannot sit under a UNION), each a range of the claim index; the outer LIMIT
 * stops reading as soon as the first ranges have enough rows.
 */
export function boundedCandidates(conn: PostgresConnection, bound: BoundParams, rules: string): string {
  const messages = conn.t("pgqrs_messages");
  const { level, at, id } = bound;
  const range = (alias: string, where: string) => `
        SELECT ${alias}.id FROM (
          SELECT c.id FROM ${messages} c
           WHERE c.queue_id = $1 AND c.archived_at IS NULL AND c.vt <= $2 AND c.read_ct < $3 AND ${where}${rules}
           ORDER BY c.priority DESC, c.enqueued_at, c.id
           LIMIT $4
           FOR NO KEY UPDATE SKIP LOCKED) ${alias}`;
  return `SELECT h.id FROM (
        ${range("hi", `c.priority > ${level}::int`)}
        UNION ALL
        ${range("eq", `c.priority = ${level}::int AND (c.enqueued_at, c.id) >= (${at}::timestamptz, ${id}::bigint)`)}
        UNION ALL
        ${range("lo", `c.priority < ${level}::int`)}) h
       LIMIT $4`;
}

/**
 * The first unarchived row of the bound's level at or past the bound (a CTE body): the next claim's bound.
 * Parameters as in {@link boundedCandidates}, then the probe flag (false: no row, without reading anything).
 */
export function nextBound(conn: PostgresConnection, bound: BoundParams): string {
  const { level, at, id, probe } = bound;
  return `SELECT n.enqueued_at AS bound_at, n.id AS bound_id FROM ${conn.t("pgqrs_messages")} n
       WHERE ${probe}::boolean AND n.queue_id = $1 AND n.archived_at IS NULL AND n.priority = ${level}::int
         AND (n.enqueued_at, n.id) >= (${at}::timestamptz, ${id}::bigint)
       ORDER BY n.priority DESC, n.enqueued_at, n.id
       LIMIT 1`;
}
