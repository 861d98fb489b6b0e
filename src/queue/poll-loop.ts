import { PgqrsError } from "../errors.js";
import type { QueueMessage } from "../types.js";
import type { Consumer } from "./consumer.js";
import { assertMayTakeWork, enterPolling } from "./terminal-status.js";
import { createWaker } from "./wait.js";

/** What to do with a message once its handler is done. */
export type MessageOutcome =
  | { action: "archive" }
  /** `refund`: the message was rescheduled, not attempted and failed; the delivery does not count toward maxReadCt. */
  | { action: "release"; visibleAt: Date; refund?: boolean }
  /** Leave it leased (its owner already acted on it, or a crash is being simulated). */
  | { action: "keep" };

/** Processes one claimed unit (one message, or one batch) and says what to do with each message, in order. */
export type UnitProcessor = (messages: QueueMessage[]) => Promise<MessageOutcome[]>;

export interface PollLoopOptions {
  consumer: Consumer;
  process: UnitProcessor;
  /** Messages per unit (1 for single-message handlers). */
  batchSize: number;
  /** Units in flight at once. Default 1. */
  concurrency?: number;
  /** Lease per claim, seconds. */
  vtSeconds: number;
  /** Idle wait between empty polls and the period of status checks, ms. */
  pollIntervalMs: number;
  signal?: AbortSignal;
  /** The loop's clock (release times). */
  now: () => Date;
  /** A periodic task (zombie reclaim) run between claims, never concurrently with itself. */
  maintenance?: { everyMs: number; run: () => Promise<void> };
  /** Claims `limit` messages when no acknowledgement is pending. Default: the consumer's `dequeue`. */
  claim?: (limit: number) => Promise<QueueMessage[]>;
  /** Called with errors that do not end the loop (failed acknowledgements, transient database errors). */
  onError?: (err: unknown) => void;
}

/** Why a poll loop ended normally. */
export type PollLoopEnd = "interrupted" | "aborted";

/**
 * Serve a consumer until it is interrupted, suspended, shut down, or the signal aborts (DECISIONS.md item 3): a
 * failing handler never ends the loop. Resolves when interrupted (the worker is left `suspended`) or aborted (left
 * `ready`), after in-flight handlers finish. Rejects with SUSPENDED when the worker is suspended or stopped by
 * someone else, and with WORKER_NOT_FOUND when its row was deleted.
 */
export async function runPollLoop(options: PollLoopOptions): Promise<PollLoopEnd> {
  const { consumer, signal } = options;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  await enterPolling(consumer);
  const waker = createWaker();
  let statusChanged = false;
  const unsubscribe = consumer.onStatusChange(() => {
    statusChanged = true;
    waker.wake();
  });
  // Enqueue notifications cut the idle wait short; polling stays the fallback.
  const stopListening = await consumer.listenForMessages(() => waker.wake()).catch(() => undefined);
  const inFlight = new Set<Promise<void>>();
  // This loop is the consumer's only claimer: units hand their acknowledgements here, and the next statement
  // archives all of them and claims work for every free slot at once. Concurrent units therefore never compete
  // for the head of the queue with each other, and K units cost one round trip, not K.
  const acks = createAckQueue();
  let lastCheck = Date.now();
  let lastMaintenance = Date.now();
  let consecutiveErrors = 0;
  const backOff = async (err: unknown) => {
    // The database may be restarting: report, back off (capped), and keep serving.
    options.onError?.(err);
    consecutiveErrors += 1;
    await waker.wait(Math.min(30_000, options.pollIntervalMs * 2 ** Math.min(consecutiveErrors, 7)), signal);
  };
  try {
    while (true) {
      if (signal?.aborted) {
        await Promise.all(inFlight);
        await flushAcks(consumer, acks, options.onError);
        await consumer.completePoll().catch(() => undefined);
        return "aborted";
      }
      if (consumer.lost) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${consumer.id}' not found`);
      const free = concurrency - inFlight.size;
      if (free === 0 && acks.size === 0) {
        await Promise.race(inFlight);
        continue;
      }
      const limit = free * options.batchSize;
      let claimed: QueueMessage[] = [];
      let ackIds: number[] = [];
      try {
        if (options.maintenance !== undefined && Date.now() - lastMaintenance >= options.maintenance.everyMs) {
          lastMaintenance = Date.now();
          await options.maintenance.run().catch((err: unknown) => options.onError?.(err));
        }
        if (statusChanged || Date.now() - lastCheck >= options.pollIntervalMs) {
          statusChanged = false;
          lastCheck = Date.now();
          await checkStatus(consumer);
        }
        ackIds = acks.take();
        claimed =
          ackIds.length > 0
            ? (await consumer.archiveAndDequeue(ackIds, { batchSize: limit, vtSeconds: options.vtSeconds })).messages
            : options.claim !== undefined
              ? await options.claim(limit)
              : await consumer.dequeue({ batchSize: limit, vtSeconds: options.vtSeconds });
        consecutiveErrors = 0;
      } catch (err) {
        // Acknowledgements not known to be applied are retried with the next statement (archiving twice is a
        // no-op that returns false), so a failed round trip does not turn handled messages into redeliveries.
        acks.restore(ackIds);
        if (isLoopEnding(err)) throw err;
        await backOff(err);
        continue;
      }
      for (let i = 0; i < claimed.length; i += options.batchSize) {
        const unit = claimed.slice(i, i + options.batchSize);
        const task: Promise<void> = runUnit(consumer, unit, options, acks).finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (claimed.length >= limit) continue;
      // The queue has nothing more for now: wait for a free slot's acknowledgement, a notification or the poll.
      if (inFlight.size > 0) {
        // The idle wait is cancelled when a unit wins the race, so no timer outlives its iteration.
        const idle = waker.sleep(options.pollIntervalMs, signal);
        await Promise.race([...inFlight, idle.done]);
        idle.cancel();
        continue;
      }
      if (acks.size > 0) continue;
      statusChanged = false;
      lastCheck = Date.now();
      try {
        await checkStatus(consumer);
      } catch (err) {
        if (isLoopEnding(err)) throw err;
        // A status read can fail while the database restarts: the loop backs off and carries on.
        await backOff(err);
        continue;
      }
      await waker.wait(options.pollIntervalMs, signal);
    }
  } catch (err) {
    await Promise.allSettled(inFlight);
    // Work that was done is acknowledged even when the loop ends: an interrupted worker still owns its leases.
    await flushAcks(consumer, acks, options.onError);
    if (err instanceof PgqrsError && err.code === "SUSPENDED" && err.details.reason === "worker interrupted") {
      return "interrupted";
    }
    throw err;
  } finally {
    unsubscribe();
    await stopListening?.().catch(() => undefined);
  }
}

/** Ids whose units were fully handled, waiting for the loop's next statement to archive them. */
interface AckQueue {
  readonly size: number;
  push(ids: readonly number[]): void;
  /** Remove and return everything pending. */
  take(): number[];
  /** Put back ids whose archive failed. */
  restore(ids: readonly number[]): void;
}

function createAckQueue(): AckQueue {
  let pending: number[] = [];
  return {
    get size() {
      return pending.length;
    },
    push(ids) {
      for (const id of ids) pending.push(id);
    },
    take() {
      const taken = pending;
      pending = [];
      return taken;
    },
    restore(ids) {
      if (ids.length > 0) pending = [...ids, ...pending];
    },
  };
}

async function flushAcks(consumer: Consumer, acks: AckQueue, onError: ((err: unknown) => void) | undefined) {
  const ids = acks.take();
  if (ids.length === 0) return;
  // A failed final acknowledgement leaves the leases to expire: the messages are redelivered, never lost.
  await consumer.archiveMany(ids).catch((err: unknown) => onError?.(err));
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
  const timer = setInterval(() => {
    consumer.extendVtMany(ids, halfMs / 1000).catch((err: unknown) => onError?.(err));
  }, halfMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function checkStatus(consumer: Consumer): Promise<void> {
  await assertMayTakeWork(consumer);
}

function isLoopEnding(err: unknown): boolean {
  return err instanceof PgqrsError && ["SUSPENDED", "WORKER_NOT_FOUND", "STORE_CLOSED"].includes(err.code);
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
export async function applyOutcomes(
  consumer: Consumer,
  messages: readonly QueueMessage[],
  outcomes: readonly MessageOutcome[],
): Promise<void> {
  const archive: number[] = [];
  const releases = new Map<string, { at: Date; refund: boolean; ids: number[] }>();
  messages.forEach((m, i) => {
    const o = outcomes[i] ?? { action: "release", visibleAt: new Date(0) };
    if (o.action === "archive") archive.push(m.id);
    else if (o.action === "release") {
      const refund = o.refund === true;
      const key = `${o.visibleAt.getTime()}:${refund}`;
      const group = releases.get(key) ?? { at: o.visibleAt, refund, ids: [] };
      group.ids.push(m.id);
      releases.set(key, group);
    }
  });
  if (archive.length > 0) await consumer.archiveMany(archive);
  for (const g of releases.values()) await consumer.releaseMany(g.ids, g.at, { refundDelivery: g.refund });
}
