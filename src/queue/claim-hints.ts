/**
 * What a poll loop knows about its queue being drained. Enqueue hints (notifications, this store's own enqueues)
 * are counted: after a claim came back short, a slot that frees up claims again only once a hint arrived since that
 * claim was sent, or a poll interval passed (delayed messages and expired leases send no hint). An idle-ish
 * workflow worker would otherwise send an empty claim after every run.
 *
 * A claim that came back full ends the drained state for the loop's own claims, and for hand-offs that must not
 * overtake anything (`drained(false)`), until the next short claim. Hand-offs that may overtake this store's own
 * enqueues (`drained(true)`) keep the state of the last short claim: what a full claim leaves in the queue was
 * enqueued by this store (its enqueues that missed a hand-off), was announced by another process (its hint ends the
 * state), or became claimable without a hint (a delayed message due, a lease expired), which hand-offs overtake
 * until the poll interval since the last short claim is over, as they do when no claim was sent at all. Otherwise a
 * worker whose slots fill up would turn every later enqueue into a claim: each claim for the one or two slots that
 * freed up comes back full with the enqueues that found no free slot.
 */
import type { Timers } from "../clock.js";

/** The hint counts just before a claim was sent. */
export interface HintMark {
  /** Every hint so far. */
  readonly count: number;
  /** The hints from other processes (notifications) so far. */
  readonly remote: number;
}

/** A poll loop's enqueue hints. */
export interface ClaimHints {
  /** An enqueue was hinted: by this store (`local`) or by a notification from another process (`remote`). */
  hint(from: "local" | "remote"): void;
  /** The counts now, to hand to {@link short} once the claim sent now comes back short. */
  mark(): HintMark;
  /** The claim sent at `mark` came back short: the queue was drained as of then, for a poll interval from now. */
  short(mark: HintMark): void;
  /**
   * A claim came back full: the queue may hold more, so it is not drained for `drained(false)` until the next short
   * claim; `drained(true)` keeps the last short claim's state (see the module's comment).
   */
  full(): void;
  /**
   * The queue had nothing at the last short claim, within the poll interval, and no enqueue was hinted since
   * (`remoteOnly`: none from another process; this store's own may have been). False until the loop listens.
   */
  drained(remoteOnly: boolean): boolean;
  /** Milliseconds since the last short claim, on the loop's timers. */
  sinceShort(): number;
  /** The loop listens for hints from now on. */
  listening(): void;
}

/** Hints of a loop whose queue counts as drained for `pollIntervalMs` (ms) after a short claim. */
export function createClaimHints(timers: Timers, pollIntervalMs: number): ClaimHints {
  let count = 0;
  let remote = 0;
  // -1: no short claim since the last full one.
  let atShort = -1;
  // -1: no short claim yet (a full one leaves it).
  let remoteAtShort = -1;
  let shortAt = 0;
  let listens = false;
  return {
    hint(from) {
      count += 1;
      if (from === "remote") remote += 1;
    },
    mark: () => ({ count, remote }),
    short(mark) {
      atShort = mark.count;
      remoteAtShort = mark.remote;
      shortAt = timers.nowMs();
    },
    full() {
      atShort = -1;
    },
    drained: (remoteOnly) =>
      listens &&
      timers.nowMs() - shortAt < pollIntervalMs &&
      (remoteOnly ? remoteAtShort >= 0 && remoteAtShort === remote : atShort >= 0 && atShort === count),
    sinceShort: () => timers.nowMs() - shortAt,
    listening() {
      listens = true;
    },
  };
}
