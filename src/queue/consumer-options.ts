/**
 * The options of a consumer's claims and releases, and the check of a claim's arguments, made before anything is
 * written.
 */
import type { MessageError } from "../queue-controls-types.js";
import { assertCount, MAX_DEQUEUE_BATCH } from "../validation/arguments.js";
import { assertDate, assertSeconds, timeAfter } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";

/** How a release treats the messages (see `Consumer.releaseMany`). */
export interface ReleaseOptions {
  /** The delivery does not count toward the attempts (the message was rescheduled, not failed). Default false. */
  refundDelivery?: boolean;
  /** The failure to keep on the messages (`QueueMessage.lastError`). Default: unchanged. */
  error?: MessageError;
  /** Dead-letter, in the same statement, the messages whose `readCt` reached this (their last attempt). */
  deadLetterAtReadCt?: number;
}

/** How many messages to take and for how long. */
export interface DequeueOptions {
  /** At most this many messages: an integer from 0 to 10,000. Default 1. */
  batchSize?: number;
  /** Lease length in seconds, 0 to 100 years. Default `config.defaultVtSeconds` (30). */
  vtSeconds?: number;
  /** Reference time of the claim (tests), a Date in 1970-9999; default the store's clock. */
  at?: Date;
}

/** A claim's checked arguments. */
export interface ClaimArguments {
  batchSize: number;
  leaseMs: number;
  now: Date;
}

/**
 * A claim's arguments, checked before anything is written (VALIDATION_FAILED naming the argument): `batchSize`
 * an integer from 0 to 10,000, `vtSeconds` 0 to 100 years, `at` a Date in 1970-9999, and the lease's end too.
 * `vtSeconds` defaults to `config.defaultVtSeconds`, `at` to the consumer's clock.
 */
export function claimArguments(ctx: EngineContext, consumer: { now(): Date }, options: DequeueOptions): ClaimArguments {
  const batchSize = assertCount("batchSize", options.batchSize ?? 1, { max: MAX_DEQUEUE_BATCH });
  const vtSeconds = assertSeconds("vtSeconds", options.vtSeconds ?? ctx.config.defaultVtSeconds);
  const now = options.at === undefined ? consumer.now() : assertDate("at", options.at);
  const leaseMs = Math.round(vtSeconds * 1000);
  timeAfter("vtSeconds", now, leaseMs);
  return { batchSize, leaseMs, now };
}
