/**
 * A poll loop's side of in-process hand-offs (see `EnqueueSignals`): while the loop's queue is drained and a slot is
 * free, this store's producers insert single messages already leased to the loop's consumer and hand them over, so
 * they start without a claim. The acceptor reserves slots for them, queues delivered ones for a lane, and gives
 * back those that arrive after the lanes stopped.
 */
import type { QueueMessage, RunRecord } from "../types.js";
import type { Consumer } from "./consumer.js";
import { givenBack, type Lanes } from "./poll-lanes.js";
import type { PollLoopOptions } from "./poll-types.js";
import type { Waker } from "./wait.js";

/** The standing offer of one poll loop. */
export interface HandoffAcceptor {
  /** The lanes are stopping: a handed-off message that arrives later is given back instead of queued for a lane. */
  end(): void;
  /** Withdraw the offer. */
  withdraw(): void;
}

/** What the acceptor reads of its loop. */
export interface HandoffLoop {
  consumer: Consumer;
  options: PollLoopOptions;
  /** Units in flight at once. */
  concurrency: number;
  lanes: Lanes;
  waker: Waker;
  /** Whether the loop was asked to end (stop or abort). */
  ending: () => boolean;
  /**
   * Whether the queue had nothing at the last claim, within the poll interval, with no enqueue hinted since
   * (`remoteOnly`: none from another process).
   */
  drainedSinceShortClaim: (remoteOnly: boolean) => boolean;
}

/**
 * Offer to take hand-offs for `loop`. Another process's enqueue is a hint that ends the drained state until the
 * next short claim, so messages waiting in the queue are claimed first.
 */
export function acceptHandoffs(loop: HandoffLoop): HandoffAcceptor {
  const { consumer, options, concurrency, lanes, waker, ending, drainedSinceShortClaim } = loop;
  // Set once the lanes stop: a handed-off message that arrives later is given back instead of queued for a lane.
  let ended = false;
  let handoffsInFlight = 0;
  const deliverHandoff = (message: QueueMessage, run?: RunRecord | null) => {
    handoffsInFlight -= 1;
    if (!ended) {
      if (run !== undefined) options.onHandedOffRun?.(message, run);
      // In line at once, so no later claim runs ahead of it; started from the event loop, so the producer's
      // enqueue returns before the handler runs.
      lanes.add([message], { deferStart: true });
      waker.wake();
      return;
    }
    // Given back unrun, its run's start (if the insert started one) with it.
    if (run !== undefined) options.onHandedOffRun?.(message, run);
    void givenBack(options, [message])
      .then(() => consumer.releaseMany([message.id], options.now(), { refundDelivery: true }))
      .catch((err: unknown) => options.onError?.(err));
  };
  const withdraw = consumer.offerHandoffs(options.vtSeconds, options.onHandedOffRun !== undefined, {
    reserve: () => {
      // At concurrency 1 the queue must be drained, so a handoff never runs ahead of an older message. With
      // more slots, runs overlap anyway: this store's own enqueues since the last short claim (which missed
      // a handoff and wait for the next claim) may be overtaken by a round trip, never another process's.
      const quiet = drainedSinceShortClaim(concurrency > 1);
      // In units: a handed-off message is a unit of its own, also in a batch loop.
      const freeUnits = concurrency - lanes.units() - handoffsInFlight;
      // Not on a limited queue: a handed-off message would bypass the limits' claim.
      if (ended || ending() || !quiet || freeUnits <= 0 || consumer.limited) return false;
      handoffsInFlight += 1;
      return true;
    },
    deliver: deliverHandoff,
    cancel: () => {
      handoffsInFlight -= 1;
      waker.wake();
    },
  });
  return {
    end: () => {
      ended = true;
    },
    withdraw,
  };
}
