/**
 * What a poll loop holds for its life: the wake-ups it listens to (worker status, enqueue hints, the abort signal,
 * `consumer.stop()`), its lanes and acknowledgements, hand-offs, the periodic status read and maintenance, and the
 * back-off on errors; and how it lets all of that go. The loop's passes are in `poll-loop.ts`.
 */
import { watchAbort } from "../abort-watch.js";
import type { Consumer, DequeueOptions } from "./consumer.js";
import { type AckQueue, createAckQueue } from "./ack-queue.js";
import { type ClaimHints, createClaimHints } from "./claim-hints.js";
import { acceptHandoffs } from "./handoff-acceptor.js";
import { createLanes, type Lanes } from "./poll-lanes.js";
import type { PollLoopOptions } from "./poll-types.js";
import { createPrefetch, type Prefetch } from "./prefetch.js";
import { assertMayTakeWork, enterPolling } from "./terminal-status.js";
import { createWaker, type Waker } from "./wait.js";

/** A running poll loop's parts. */
export interface PollLoop {
  readonly consumer: Consumer;
  readonly options: PollLoopOptions;
  /** Units in flight at once, at least 1. */
  readonly concurrency: number;
  readonly waker: Waker;
  readonly hints: ClaimHints;
  /** The lanes' acknowledgements, sent with the next claim. */
  readonly acks: AckQueue;
  readonly prefetch: Prefetch;
  readonly lanes: Lanes;
  /** Whether the loop was asked to end: by its signal or by `consumer.stop()`. */
  ending(): boolean;
  /** The claim's options for `limit` messages. */
  claimOptions(limit: number): DequeueOptions;
  /** Run the maintenance when its period (`options.maintenance.everyMs`) passed; its errors are reported only. */
  maintainIfDue(): Promise<void>;
  /** Read the worker's status when it changed or a poll interval passed since the last read. */
  checkStatusIfDue(): Promise<void>;
  /** Report a transient error and wait, longer after each consecutive one (capped at 30 s). */
  backOff(err: unknown): Promise<void>;
  /** A statement went through: the next error backs off from the start again. */
  succeeded(): void;
  /** Stop the lanes (in-flight units finish) and hand-offs. */
  stopLanes(): Promise<void>;
  /** No longer the consumer's loop (idempotent). */
  detach(): void;
  /** Let go of everything the loop listens to; its `done` promise resolves. */
  close(): Promise<void>;
}

/** Enter polling and set up a loop for `options`. */
export async function openPollLoop(options: PollLoopOptions): Promise<PollLoop> {
  const { consumer, signal } = options;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  await enterPolling(consumer);
  // The store clock's timers (real, or virtual in tests): loop time never reads Date.now or setTimeout.
  const timers = consumer.timers;
  const waker = createWaker(timers);
  const pacing = createLoopPacing(options, waker);
  const unsubscribe = consumer.onStatusChange(() => {
    pacing.statusChanged();
    waker.wake();
  });
  const { hints, stopListening } = await listenForHints(consumer, options.pollIntervalMs, waker);
  // One listener for the loop's life, so the waits on the hot path need not register their own.
  const unwatchAbort = signal === undefined ? undefined : watchAbort(signal, () => waker.wake());
  // This loop is the consumer's only claimer: units hand their acknowledgements here, and the next statement
  // archives all of them and claims work for every free slot at once. Concurrent units therefore never compete
  // for the head of the queue with each other, and K units cost one round trip, not K.
  const acks = createAckQueue();
  const attachment = attachToConsumer(consumer, acks, options.onError, waker);
  const ending = () => attachment.stopRequested() || signal?.aborted === true;
  // Claimed units wait here for a lane (one per concurrency slot). A lane that finishes a unit starts the next
  // one without waiting for the loop's round trip, so with prefetch the handlers and the database overlap.
  const prefetch = createPrefetch(options.prefetch ?? 0, options.vtSeconds);
  const lanes = createLanes({ consumer, options, acks, concurrency, prefetch, onSettled: () => waker.wake() });
  // Handoffs: while the queue is drained (the last claim came back short and no enqueue was hinted since) and a
  // slot is free, this store's producers insert single messages already leased to this consumer and hand them
  // over, so they start without a claim.
  const handoffs =
    options.acceptHandoffs === true && options.at === undefined
      ? acceptHandoffs({
          consumer,
          options,
          concurrency,
          lanes,
          waker,
          ending,
          drainedSinceShortClaim: hints.drained,
        })
      : undefined;
  return {
    consumer,
    options,
    concurrency,
    waker,
    hints,
    acks,
    prefetch,
    lanes,
    ending,
    claimOptions: (limit) =>
      options.at === undefined
        ? { batchSize: limit, vtSeconds: options.vtSeconds }
        : { batchSize: limit, vtSeconds: options.vtSeconds, at: options.at },
    maintainIfDue: pacing.maintainIfDue,
    checkStatusIfDue: pacing.checkStatusIfDue,
    backOff: pacing.backOff,
    succeeded: pacing.succeeded,
    async stopLanes() {
      handoffs?.end();
      await lanes.stop();
    },
    detach: attachment.detach,
    async close() {
      attachment.detach();
      attachment.loopDone();
      handoffs?.withdraw();
      unsubscribe();
      unwatchAbort?.();
      await stopListening?.().catch(() => undefined);
    },
  };
}

/**
 * Enqueue notifications cut the idle wait short; polling stays the fallback. `stopListening` is undefined when the
 * store cannot listen (the loop then polls only).
 */
async function listenForHints(
  consumer: Consumer,
  pollIntervalMs: number,
  waker: Waker,
): Promise<{ hints: ClaimHints; stopListening: (() => Promise<void>) | undefined }> {
  const hints = createClaimHints(consumer.timers, pollIntervalMs);
  const stopListening = await consumer
    .listenForMessages((from) => {
      hints.hint(from);
      waker.wake();
    })
    .catch(() => undefined);
  if (stopListening !== undefined) hints.listening();
  return { hints, stopListening };
}

/** The loop as its consumer's loop: `consumer.stop()` ends it as the signal would, and it flushes `acks` on demand. */
function attachToConsumer(
  consumer: Consumer,
  acks: AckQueue,
  onError: ((err: unknown) => void) | undefined,
  waker: Waker,
): { stopRequested: () => boolean; loopDone: () => void; detach: () => void } {
  let stopRequested = false;
  let loopDone: () => void = () => undefined;
  let detached = false;
  const detachFromConsumer = consumer.attachLoop({
    requestStop: () => {
      stopRequested = true;
      waker.wake();
    },
    done: new Promise<void>((resolve) => {
      loopDone = resolve;
    }),
    flush: () => flushAcks(consumer, acks, onError),
  });
  return {
    stopRequested: () => stopRequested,
    loopDone: () => loopDone(),
    detach: () => {
      if (detached) return;
      detached = true;
      detachFromConsumer();
    },
  };
}

/** A loop's duties on loop time (see {@link PollLoop}): maintenance, status checks, back-off after errors. */
interface LoopPacing extends Pick<PollLoop, "maintainIfDue" | "checkStatusIfDue" | "backOff" | "succeeded"> {
  /** The worker's status changed here: the next {@link PollLoop.checkStatusIfDue} reads it. */
  statusChanged(): void;
}

function createLoopPacing(options: PollLoopOptions, waker: Waker): LoopPacing {
  const { consumer, signal } = options;
  const timers = consumer.timers;
  let statusChanged = false;
  let lastCheck = timers.nowMs();
  let lastMaintenance = timers.nowMs();
  let consecutiveErrors = 0;
  return {
    statusChanged() {
      statusChanged = true;
    },
    async maintainIfDue() {
      if (options.maintenance === undefined || timers.nowMs() - lastMaintenance < options.maintenance.everyMs) return;
      lastMaintenance = timers.nowMs();
      await options.maintenance.run().catch((err: unknown) => options.onError?.(err));
    },
    async checkStatusIfDue() {
      if (!statusChanged && timers.nowMs() - lastCheck < options.pollIntervalMs) return;
      statusChanged = false;
      lastCheck = timers.nowMs();
      await assertMayTakeWork(consumer);
    },
    async backOff(err) {
      // The database may be restarting: report, back off (capped), and keep serving.
      options.onError?.(err);
      consecutiveErrors += 1;
      await waker.wait(Math.min(30_000, options.pollIntervalMs * 2 ** Math.min(consecutiveErrors, 7)), signal);
    },
    succeeded() {
      consecutiveErrors = 0;
    },
  };
}

/** Archive what the lanes finished; a failure leaves the leases to expire (redelivered, never lost). */
export async function flushAcks(
  consumer: Consumer,
  acks: AckQueue,
  onError: ((err: unknown) => void) | undefined,
): Promise<void> {
  const ids = acks.take();
  if (ids.length === 0) return;
  await consumer.archiveMany(ids).catch((err: unknown) => onError?.(err));
}
