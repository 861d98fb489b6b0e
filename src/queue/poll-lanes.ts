import type { Timer } from "../clock.js";
import type { QueueMessage } from "../types.js";
import type { AckQueue } from "./ack-queue.js";
import type { MessageError } from "../queue-controls-types.js";
import type { Consumer, ReleaseOptions } from "./consumer.js";
import type { MessageOutcome, PollLoopOptions } from "./poll-types.js";
import type { Prefetch } from "./prefetch.js";

/** The handler slots of a poll loop and the claimed units waiting for one. */
export interface Lanes {
  /**
   * Queue a claimed unit; a free lane starts it at once, or with `deferStart` from the event loop (after the
   * caller's own continuation), while the unit keeps its place in line.
   */
  add(unit: QueueMessage[], options?: { deferStart?: boolean }): void;
  /** Messages claimed and not yet settled: running or waiting for a lane. */
  held(): number;
  /** Units claimed and not yet settled: running or waiting for a lane. */
  units(): number;
  /**
   * Recent units' mean handling time, ms (exponentially weighted), or the age of the oldest running unit when that
   * is longer (a handler that turned slow stops prefetch before it finishes); undefined before the first unit.
   */
  meanUnitMs(): number | undefined;
  /** Start nothing more, let running units finish, and give back the waiting ones (their delivery refunded). */
  stop(): Promise<void>;
}

interface Waiting {
  messages: QueueMessage[];
  /** The loop's `timers.nowMs()` when claimed. */
  claimedAt: number;
}

/**
 * How long claimed units may wait while no lane starts anything (every lane stuck in a slow handler) before they
 * are given back for other consumers to take, ms.
 */
export const STALLED_WAIT_MS = 1_000;

/**
 * At most `concurrency` lanes; each runs waiting units one after another until none is left, and calls
 * `onSettled` after each, so the loop can send the acknowledgement and refill. A unit that waited so long that
 * half its lease is gone is given back instead of run: it may be leased elsewhere soon. Units claimed ahead that
 * wait behind handlers which turned slow are given back after {@link STALLED_WAIT_MS}, so a slow handler does not
 * hold messages other consumers could run.
 */
export function createLanes(
  consumer: Consumer,
  options: PollLoopOptions,
  acks: AckQueue,
  concurrency: number,
  prefetch: Prefetch,
  onSettled: () => void,
): Lanes {
  const waiting: Waiting[] = [];
  let waitingCount = 0;
  let runningCount = 0;
  let runningUnits = 0;
  let laneCount = 0;
  let stopping = false;
  let mean: number | undefined;
  // Loop time (the store clock's timers: real or virtual).
  const timers = consumer.timers;
  const runningStarts = new Set<{ at: number }>();
  let lastStartAt = timers.nowMs();
  let stallTimer: Timer | undefined;
  const active = new Set<Promise<void>>();
  const startLane = () => {
    if (stopping || laneCount >= concurrency || waiting.length === 0) return;
    laneCount += 1;
    const running: Promise<void> = lane().finally(() => active.delete(running));
    active.add(running);
  };

  const giveBack = async (messages: readonly QueueMessage[]) => {
    if (messages.length === 0) return;
    // Never attempted, so the delivery does not count toward maxReadCt. A failure leaves the lease to expire.
    await consumer
      .releaseMany(
        messages.map((m) => m.id),
        options.now(),
        { refundDelivery: true },
      )
      .catch((err: unknown) => options.onError?.(err));
  };

  const lane = async () => {
    try {
      while (!stopping) {
        const next = waiting.shift();
        if (next === undefined) return;
        waitingCount -= next.messages.length;
        if (prefetch.stale(timers.nowMs() - next.claimedAt)) {
          await giveBack(next.messages);
          onSettled();
          continue;
        }
        runningCount += next.messages.length;
        runningUnits += 1;
        const started = timers.nowMs();
        const start = { at: started };
        runningStarts.add(start);
        lastStartAt = started;
        try {
          await runUnit(consumer, next.messages, options, acks);
        } finally {
          runningCount -= next.messages.length;
          runningUnits -= 1;
          runningStarts.delete(start);
        }
        const took = timers.nowMs() - started;
        mean = mean === undefined ? took : mean * 0.8 + took * 0.2;
        onSettled();
      }
    } finally {
      // Decremented where the lane decides to end, so an `add` in the same turn starts a new lane.
      laneCount -= 1;
    }
  };

  const watchStall = () => {
    if (stallTimer !== undefined || stopping) return;
    stallTimer = timers.setTimeout(
      () => {
        stallTimer = undefined;
        if (stopping || waiting.length === 0) return;
        if (laneCount >= concurrency && timers.nowMs() - lastStartAt >= STALLED_WAIT_MS) {
          const left = waiting.splice(0).flatMap((w) => w.messages);
          waitingCount = 0;
          void giveBack(left).then(onSettled);
          return;
        }
        watchStall();
      },
      STALLED_WAIT_MS,
      { unref: true },
    );
  };

  return {
    add(messages, addOptions) {
      waiting.push({ messages, claimedAt: timers.nowMs() });
      waitingCount += messages.length;
      watchStall();
      if (addOptions?.deferStart === true) {
        setImmediate(startLane);
        return;
      }
      startLane();
    },
    held: () => waitingCount + runningCount,
    units: () => waiting.length + runningUnits,
    meanUnitMs: () => {
      if (mean === undefined) return undefined;
      let oldest = Number.POSITIVE_INFINITY;
      for (const start of runningStarts) oldest = Math.min(oldest, start.at);
      return runningStarts.size === 0 ? mean : Math.max(mean, timers.nowMs() - oldest);
    },
    async stop() {
      stopping = true;
      stallTimer?.cancel();
      await Promise.allSettled([...active]);
      const left = waiting.splice(0).flatMap((w) => w.messages);
      waitingCount = 0;
      await giveBack(left);
    },
  };
}

/**
 * Keep a unit's leases alive while its handler runs longer than half a lease: every half lease, extend by half a
 * lease, so the lease end stays about one lease ahead and a slow handler is never redelivered to another worker.
 * A crashed worker stops renewing and its messages come back within one lease.
 */
function renewLeases(
  consumer: Consumer,
  unit: readonly QueueMessage[],
  vtSeconds: number,
  onError: ((err: unknown) => void) | undefined,
): { stop: () => void } {
  const halfMs = (vtSeconds * 1000) / 2;
  if (!(halfMs >= 100)) return { stop: () => undefined };
  const ids = unit.map((m) => m.id);
  const timer = consumer.timers.setInterval(
    () => {
      consumer.extendVtMany(ids, halfMs / 1000).catch((err: unknown) => onError?.(err));
    },
    halfMs,
    { unref: true },
  );
  return { stop: () => timer.cancel() };
}

/**
 * Run one unit's handler and settle its messages: fully archived units hand their ids to the loop's next
 * statement; anything else (releases, mixed outcomes) is applied at once.
 */
async function runUnit(
  consumer: Consumer,
  unit: QueueMessage[],
  options: PollLoopOptions,
  acks: AckQueue,
): Promise<void> {
  let outcomes: MessageOutcome[];
  const renewal = renewLeases(consumer, unit, options.vtSeconds, options.onError);
  try {
    outcomes = await options.process(unit);
  } catch (err) {
    options.onError?.(err);
    const now = options.now();
    outcomes = unit.map(() => ({ action: "release", visibleAt: now }));
  } finally {
    renewal.stop();
  }
  if (unit.every((_, i) => outcomes[i]?.action === "archive")) {
    acks.push(unit.map((m) => m.id));
    return;
  }
  try {
    await applyOutcomes(consumer, unit, outcomes);
  } catch (err) {
    // An acknowledgement that fails leaves the lease to expire: the message is redelivered, never lost.
    options.onError?.(err);
  }
}

/** Archive and release in as few statements as possible. */
async function applyOutcomes(
  consumer: Consumer,
  messages: readonly QueueMessage[],
  outcomes: readonly MessageOutcome[],
): Promise<void> {
  const archive: number[] = [];
  // Releases that agree on every setting go in one statement (a failed batch shares one error and one delay).
  const releases = new Map<string, { at: Date; options: ReleaseOptions; ids: number[] }>();
  const errorKeys = new Map<MessageError, number>();
  messages.forEach((m, i) => {
    const o = outcomes[i] ?? { action: "release", visibleAt: new Date(0) };
    if (o.action === "archive") archive.push(m.id);
    else if (o.action === "release") {
      const refund = o.refund === true;
      let errorKey = -1;
      if (o.error !== undefined) {
        errorKey = errorKeys.get(o.error) ?? errorKeys.size;
        errorKeys.set(o.error, errorKey);
      }
      const key = `${o.visibleAt.getTime()}:${refund}:${errorKey}:${o.deadLetterAtReadCt ?? ""}`;
      const options: ReleaseOptions = { refundDelivery: refund };
      if (o.error !== undefined) options.error = o.error;
      if (o.deadLetterAtReadCt !== undefined) options.deadLetterAtReadCt = o.deadLetterAtReadCt;
      const group = releases.get(key) ?? { at: o.visibleAt, options, ids: [] };
      group.ids.push(m.id);
      releases.set(key, group);
    }
  });
  if (archive.length > 0) await consumer.archiveMany(archive);
  for (const g of releases.values()) await consumer.releaseMany(g.ids, g.at, g.options);
}
