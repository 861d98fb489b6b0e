/**
 * The contract between a poll loop and its callers: the options of `runPollLoop`, the unit processor it calls, what
 * the processor says to do with each message, and why a loop ended. Kept apart from the loop so that its parts
 * (lanes, failure release, hand-offs) and the workflow worker import the types without importing the loop.
 */
import type { MessageError } from "../queue-controls-types.js";
import type { QueueMessage, RunRecord } from "../types.js";
import type { Consumer } from "./consumer.js";

/** What to do with a message once its handler is done. */
export type MessageOutcome =
  | { action: "archive" }
  /** `refund`: the message was rescheduled, not attempted and failed; the delivery does not count toward maxReadCt. */
  | {
      action: "release";
      visibleAt: Date;
      refund?: boolean;
      /** The failure to keep on the message. */
      error?: MessageError;
      /** Dead-letter it instead when its `readCt` reached this (its last attempt failed). */
      deadLetterAtReadCt?: number;
    }
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
  /**
   * Messages claimed ahead of the free handler slots, at most (see {@link createPrefetch}). Default 0: claim only
   * for free slots.
   */
  prefetch?: number;
  /**
   * Refill the prefetch only once half of it is used up (for backends whose claims are local calls, not round
   * trips). Default false: refill whenever a unit settles.
   */
  refillAtHalf?: boolean;
  /**
   * While the queue is drained and a slot is free, take single messages that producers of this store enqueue
   * straight from their insert (leased to this consumer, no claim round trip; see `EnqueueSignals`). Default false.
   */
  acceptHandoffs?: boolean;
  /**
   * With `acceptHandoffs`: handed-off messages come with their workflow run started by the same insert (where the
   * backend can), given here before the message is queued for a lane.
   */
  onHandedOffRun?: (message: QueueMessage, run: RunRecord | null) => void;
  /** Claims `limit` messages when no acknowledgement is pending. Default: the consumer's `dequeue`. */
  claim?: (limit: number) => Promise<QueueMessage[]>;
  /**
   * Reference time of every claim the loop sends (its plain claims and the claims riding on acknowledgements), as
   * `dequeue().at(time)`: a message is claimable when it is visible at this time. A custom `claim` keeps its own
   * time. While set, handoffs are refused: a handed-off message is leased at its producer's time, not this one.
   * Default: the consumer's clock at each claim.
   */
  at?: Date;
  /** Called with errors that do not end the loop (failed acknowledgements, transient database errors). */
  onError?: (err: unknown) => void;
  /**
   * Called with messages the loop claimed but gives back unrun (prefetched ones that waited half their lease, and
   * those still waiting when the loop ends, and hand-offs that arrive after it ended), before they are released:
   * for a `claim` that keeps state per message. The release waits for a returned promise; its failure goes to
   * `onError` and the messages are released all the same.
   */
  onGivenBack?: (messages: readonly QueueMessage[]) => void | Promise<void>;
}

/** Why a poll loop ended normally. */
export type PollLoopEnd = "interrupted" | "aborted";
