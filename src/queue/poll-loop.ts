/**
 * The poll loop: one consumer's only claimer. It paces claims against free handler slots and prefetch, sends the
 * lanes' acknowledgements with the next claim, checks the worker's status and runs maintenance between claims,
 * and backs off on transient errors. Its options and types are in `poll-types.ts`, the handler slots in
 * `poll-lanes.ts`, hand-offs in `handoff-acceptor.ts`.
 */
import { PgqrsError } from "../errors.js";
import type { QueueMessage } from "../types.js";
import type { Consumer, DequeueOptions } from "./consumer.js";
import { acceptHandoffs } from "./handoff-acceptor.js";
import type { PollLoopEnd, PollLoopOptions } from "./poll-types.js";
import { assertMayTakeWork, enterPolling } from "./terminal-status.js";
import { createLanes } from "./poll-lanes.js";
import { createPrefetch } from "./prefetch.js";
import { createWaker } from "./wait.js";
import { type AckQueue, createAckQueue } from "./ack-queue.js";

export type { MessageOutcome, PollLoopEnd, PollLoopOptions, UnitProcessor } from "./poll-types.js";

/**
 * Serve a consumer until it is interrupted, suspended, shut down, or the signal aborts: a
 * failing handler never ends the loop. Resolves when interrupted (the worker is left `suspended`) or aborted (by
 * the signal or `consumer.stop()`: left `stopped`, what it held released), after in-flight handlers finish. Rejects with SUSPENDED when the worker is suspended or stopped by
 * someone else, and with WORKER_NOT_FOUND when its row was deleted.
 */
export async function runPollLoop(options: PollLoopOptions): Promise<PollLoopEnd> {
  const { consumer, signal } = options;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  await enterPolling(consumer);
  // Loop time: the store clock's timers (real, or virtual in tests), never Date.now or setTimeout directly.
  const timers = consumer.timers;
  const waker = createWaker(timers);
  let statusChanged = false;
  const unsubscribe = consumer.onStatusChange(() => {
    statusChanged = true;
    waker.wake();
  });
  // Enqueue notifications cut the idle wait short; polling stays the fallback.
  // Enqueue hints (notifications, this store's enqueues) are counted: after a claim came back short, a slot that
  // frees up claims again only once a hint arrived since that claim was sent, or a poll interval passed (delayed
  // messages and expired leases send no hint). An idle-ish workflow worker would otherwise send an empty claim
  // after every run.
  // `remote` counts the hints from other processes (notifications) alone.
  const hints = { count: 0, remote: 0, atShortClaim: -1, remoteAtShortClaim: -1, shortClaimAt: 0 };
  // The queue had nothing for us at the last claim, within the poll interval, and no enqueue was hinted since
  // (`remoteOnly`: none from another process; this store's own may have been).
  const drainedSinceShortClaim = (remoteOnly: boolean) =>
    stopListening !== undefined &&
    hints.atShortClaim >= 0 &&
    timers.nowMs() - hints.shortClaimAt < options.pollIntervalMs &&
    (remoteOnly ? hints.remoteAtShortClaim === hints.remote : hints.atShortClaim === hints.count);
  const stopListening = await consumer
    .listenForMessages((from) => {
      hints.count += 1;
      if (from === "remote") hints.remote += 1;
      waker.wake();
    })
    .catch(() => undefined);
  // One listener for the loop's life, so the waits on the hot path need not register their own.
  const onAbort = () => waker.wake();
  signal?.addEventListener("abort", onAbort, { once: true });
  // `consumer.stop()` ends the loop as the signal would.
  let stopRequested = false;
  let loopDone: () => void = () => undefined;
  let detached = false;
  const detachLoop = () => {
    if (detached) return;
    detached = true;
    detachFromConsumer();
  };
  const detachFromConsumer = consumer.attachLoop({
    requestStop: () => {
      stopRequested = true;
      waker.wake();
    },
    done: new Promise<void>((resolve) => {
      loopDone = resolve;
    }),
    flush: () => flushAcks(consumer, acks, options.onError),
  });
  const ending = () => stopRequested || signal?.aborted === true;
  // This loop is the consumer's only claimer: units hand their acknowledgements here, and the next statement
  // archives all of them and claims work for every free slot at once. Concurrent units therefore never compete
  // for the head of the queue with each other, and K units cost one round trip, not K.
  const acks = createAckQueue();
  // Claimed units wait here for a lane (one per concurrency slot). A lane that finishes a unit starts the next
  // one without waiting for the loop's round trip, so with prefetch the handlers and the database overlap.
  const prefetch = createPrefetch(options.prefetch ?? 0, options.vtSeconds);
  const lanes = createLanes(consumer, options, acks, concurrency, prefetch, () => waker.wake());
  const stopLanes = async () => {
    handoffs?.end();
    await lanes.stop();
  };
  // Handoffs: while the queue is drained (the last claim came back short and no enqueue was hinted since) and a
  // slot is free, this store's producers insert single messages already leased to this consumer and hand them
  // over, so they start without a claim.
  const handoffs =
    options.acceptHandoffs === true && options.at === undefined
      ? acceptHandoffs({ consumer, options, concurrency, lanes, waker, ending, drainedSinceShortClaim })
      : undefined;
  const claimOptions = (limit: number): DequeueOptions =>
    options.at === undefined
      ? { batchSize: limit, vtSeconds: options.vtSeconds }
      : { batchSize: limit, vtSeconds: options.vtSeconds, at: options.at };
  let lastCheck = timers.nowMs();
  let lastMaintenance = timers.nowMs();
  let consecutiveErrors = 0;
  const backOff = async (err: unknown) => {
    // The database may be restarting: report, back off (capped), and keep serving.
    options.onError?.(err);
    consecutiveErrors += 1;
    await waker.wait(Math.min(30_000, options.pollIntervalMs * 2 ** Math.min(consecutiveErrors, 7)), signal);
  };
  try {
    while (true) {
      if (ending()) {
        await stopLanes();
        await flushAcks(consumer, acks, options.onError);
        // Ended on purpose: the worker stops (what it still holds is released), so it is not left `ready` with
        // no one heartbeating or serving it. Only by the last of its loops: another loop of the same consumer may
        // still be finishing a handler whose message must not be released under it.
        detachLoop();
        if (consumer.attachedLoops === 0) {
          await consumer.markStopped().catch((err: unknown) => options.onError?.(err));
        }
        return "aborted";
      }
      if (consumer.lost) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${consumer.id}' not found`);
      // A queue with a concurrency or rate limit is claimed only for free slots: a message claimed ahead would
      // hold one of the queue's few leases while waiting for a slot here.
      const depth = consumer.limited ? 0 : prefetch.depth(lanes.meanUnitMs());
      const capacity = concurrency * options.batchSize + depth;
      const room = capacity - lanes.held();
      // Over a network, acknowledgements pile up during each round trip and ride on the next claim together. A
      // local claim returns at once, so a loop that refilled whenever a unit settled would archive and claim one
      // unit per transaction: with prefetch, wait until half of it is used up, then refill it in one statement.
      const topUp = options.refillAtHalf === true && depth > 0 && room < depth / 2 && lanes.held() > 0;
      const sinceShort = timers.nowMs() - hints.shortClaimAt;
      const drained = drainedSinceShortClaim(false);
      // Whole units only, so a partly filled unit in flight does not turn into one more unit than there are slots.
      // A drained queue is still claimed from when acknowledgements are sent anyway: the claim rides along.
      const limit =
        (drained && acks.size === 0) || topUp
          ? 0
          : Math.max(0, Math.floor(room / options.batchSize) * options.batchSize);
      let claimed: QueueMessage[] = [];
      let ackIds: number[] = [];
      let hintsAtSend = hints.count;
      let remoteHintsAtSend = hints.remote;
      try {
        if (options.maintenance !== undefined && timers.nowMs() - lastMaintenance >= options.maintenance.everyMs) {
          lastMaintenance = timers.nowMs();
          await options.maintenance.run().catch((err: unknown) => options.onError?.(err));
        }
        // Also while every slot is busy: lanes start prefetched units on their own, and must stop doing so soon
        // after the worker is interrupted.
        if (statusChanged || timers.nowMs() - lastCheck >= options.pollIntervalMs) {
          statusChanged = false;
          lastCheck = timers.nowMs();
          await checkStatus(consumer);
        }
        if (limit === 0 && (acks.size === 0 || topUp)) {
          // Nothing to send: wait for a lane to settle a unit. While prefetching, lanes start units on their own, so
          // the wait is also bounded by the status-check period.
          const busy = waker.sleep(
            drained
              ? options.pollIntervalMs - sinceShort
              : capacity > concurrency * options.batchSize
                ? options.pollIntervalMs
                : Infinity,
          );
          await busy.done;
          busy.cancel();
          continue;
        }
        ackIds = acks.take();
        hintsAtSend = hints.count;
        remoteHintsAtSend = hints.remote;
        claimed =
          ackIds.length > 0
            ? (await consumer.archiveAndDequeue(ackIds, claimOptions(limit))).messages
            : options.claim !== undefined
              ? await options.claim(limit)
              : await consumer.dequeue(claimOptions(limit));
        consecutiveErrors = 0;
      } catch (err) {
        // Acknowledgements not known to be applied are retried with the next statement (archiving twice is a
        // no-op that returns false), so a failed round trip does not turn handled messages into redeliveries.
        acks.restore(ackIds);
        if (isLoopEnding(err)) throw err;
        await backOff(err);
        continue;
      }
      for (let i = 0; i < claimed.length; i += options.batchSize) lanes.add(claimed.slice(i, i + options.batchSize));
      if (limit > 0 && claimed.length >= limit) {
        hints.atShortClaim = -1;
        continue;
      }
      if (limit > 0) {
        hints.atShortClaim = hintsAtSend;
        hints.remoteAtShortClaim = remoteHintsAtSend;
        hints.shortClaimAt = timers.nowMs();
      }
      // The queue has nothing more for now: wait for an acknowledgement, a free slot, a notification or the poll.
      if (lanes.held() > 0 || acks.size > 0) {
        if (acks.size > 0) continue;
        const idle = waker.sleep(options.pollIntervalMs, signal);
        await idle.done;
        idle.cancel();
        continue;
      }
      // Before going idle, the status as of at most one poll interval ago: read only if the check at the top of this
      // pass did not just read it (an idle loop reads its worker's row once per poll, not twice).
      if (statusChanged || timers.nowMs() - lastCheck >= options.pollIntervalMs) {
        statusChanged = false;
        lastCheck = timers.nowMs();
        try {
          await checkStatus(consumer);
        } catch (err) {
          if (isLoopEnding(err)) throw err;
          // A status read can fail while the database restarts: the loop backs off and carries on.
          await backOff(err);
          continue;
        }
      }
      await waker.wait(options.pollIntervalMs, signal);
    }
  } catch (err) {
    await stopLanes();
    // Work that was done is acknowledged even when the loop ends: an interrupted worker still owns its leases.
    await flushAcks(consumer, acks, options.onError);
    if (err instanceof PgqrsError && err.code === "SUSPENDED" && err.details.reason === "worker interrupted") {
      return "interrupted";
    }
    throw err;
  } finally {
    detachLoop();
    loopDone();
    handoffs?.withdraw();
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
    await stopListening?.().catch(() => undefined);
  }
}

async function flushAcks(consumer: Consumer, acks: AckQueue, onError: ((err: unknown) => void) | undefined) {
  const ids = acks.take();
  if (ids.length === 0) return;
  // A failed final acknowledgement leaves the leases to expire: the messages are redelivered, never lost.
  await consumer.archiveMany(ids).catch((err: unknown) => onError?.(err));
}

async function checkStatus(consumer: Consumer): Promise<void> {
  await assertMayTakeWork(consumer);
}

function isLoopEnding(err: unknown): boolean {
  return err instanceof PgqrsError && ["SUSPENDED", "WORKER_NOT_FOUND", "STORE_CLOSED"].includes(err.code);
}
