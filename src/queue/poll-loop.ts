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
  let lastCheck = Date.now();
  let lastMaintenance = Date.now();
  // A unit whose messages were all archived acknowledges them and claims its next unit in one round trip, as long
  // as the loop has nothing else to do first: status check, maintenance, abort.
  const chain: Chain = {
    batchSize: options.batchSize,
    vtSeconds: options.vtSeconds,
    mayContinue: () =>
      !(signal?.aborted ?? false) &&
      !statusChanged &&
      !consumer.lost &&
      Date.now() - lastCheck < options.pollIntervalMs &&
      (options.maintenance === undefined || Date.now() - lastMaintenance < options.maintenance.everyMs),
  };
  let consecutiveErrors = 0;
  try {
    while (true) {
      if (signal?.aborted) {
        await Promise.all(inFlight);
        await consumer.completePoll().catch(() => undefined);
        return "aborted";
      }
      if (consumer.lost) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${consumer.id}' not found`);
      const free = concurrency - inFlight.size;
      if (free === 0) {
        await Promise.race(inFlight);
        continue;
      }
      let claimed: QueueMessage[] = [];
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
        claimed = await consumer.dequeue({ batchSize: free * options.batchSize, vtSeconds: options.vtSeconds });
        consecutiveErrors = 0;
      } catch (err) {
        if (isLoopEnding(err)) throw err;
        // The database may be restarting: report, back off (capped), and keep serving.
        options.onError?.(err);
        consecutiveErrors += 1;
        await waker.wait(Math.min(30_000, options.pollIntervalMs * 2 ** Math.min(consecutiveErrors, 7)), signal);
        continue;
      }
      if (claimed.length === 0) {
        if (inFlight.size > 0) {
          await Promise.race([...inFlight, waker.wait(options.pollIntervalMs, signal)]);
        } else {
          statusChanged = false;
          lastCheck = Date.now();
          try {
            await checkStatus(consumer);
          } catch (err) {
            if (isLoopEnding(err)) throw err;
            // A status read can fail while the database restarts: the loop backs off and carries on.
            options.onError?.(err);
            consecutiveErrors += 1;
            await waker.wait(Math.min(30_000, options.pollIntervalMs * 2 ** Math.min(consecutiveErrors, 7)), signal);
            continue;
          }
          await waker.wait(options.pollIntervalMs, signal);
        }
        continue;
      }
      for (let i = 0; i < claimed.length; i += options.batchSize) {
        const unit = claimed.slice(i, i + options.batchSize);
        const task: Promise<void> = runUnit(consumer, unit, options, chain).finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    }
  } catch (err) {
    await Promise.allSettled(inFlight);
    if (err instanceof PgqrsError && err.code === "SUSPENDED" && err.details.reason === "worker interrupted") {
      return "interrupted";
    }
    throw err;
  } finally {
    unsubscribe();
    await stopListening?.().catch(() => undefined);
  }
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

/** What a unit needs to claim its successor when it acknowledges. */
interface Chain {
  batchSize: number;
  vtSeconds: number;
  mayContinue: () => boolean;
}

async function checkStatus(consumer: Consumer): Promise<void> {
  await assertMayTakeWork(consumer);
}

function isLoopEnding(err: unknown): boolean {
  return err instanceof PgqrsError && ["SUSPENDED", "WORKER_NOT_FOUND", "STORE_CLOSED"].includes(err.code);
}

async function runUnit(
  consumer: Consumer,
  first: QueueMessage[],
  options: PollLoopOptions,
  chain: Chain,
): Promise<void> {
  let unit = first;
  while (unit.length > 0) {
    let outcomes: MessageOutcome[];
    const renewal = renewLeases(consumer, unit, chain.vtSeconds, options.onError);
    try {
      outcomes = await options.process(unit);
    } catch (err) {
      options.onError?.(err);
      const now = options.now();
      outcomes = unit.map(() => ({ action: "release", visibleAt: now }));
    } finally {
      renewal.stop();
    }
    try {
      unit = await acknowledge(consumer, unit, outcomes, chain);
    } catch (err) {
      // An acknowledgement that fails leaves the lease to expire: the message is redelivered, never lost.
      options.onError?.(err);
      return;
    }
  }
}

/**
 * Apply a unit's outcomes; when they are all archives and the loop may go on, claim the next unit in the same
 * statement. Returns the next unit (empty when the loop should claim for itself).
 */
async function acknowledge(
  consumer: Consumer,
  unit: readonly QueueMessage[],
  outcomes: readonly MessageOutcome[],
  chain: Chain,
): Promise<QueueMessage[]> {
  const allArchived = unit.every((_, i) => outcomes[i]?.action === "archive");
  if (!allArchived || !chain.mayContinue()) {
    await applyOutcomes(consumer, unit, outcomes);
    return [];
  }
  const { messages } = await consumer.archiveAndDequeue(
    unit.map((m) => m.id),
    { batchSize: chain.batchSize, vtSeconds: chain.vtSeconds },
  );
  return messages;
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
