/**
 * What a queue handler's failure does to its messages: released after the retry policy's backoff (or a fixed
 * delay), with the error kept on them, and dead-lettered in the same statement at their last attempt.
 */
import type { MessageError, RetryOptions } from "../queue-controls-types.js";
import type { QueueMessage } from "../types.js";
import type { Consumer } from "./consumer.js";
import type { MessageOutcome } from "./poll-loop.js";
import { backoffMs, resolveRetryPolicy, toMessageError } from "./retry-backoff.js";

/** The loop settings a failure release needs. */
export interface FailureSettings {
  releaseDelaySeconds: number | undefined;
  retry: RetryOptions | undefined;
}

/**
 * What to do with each message of a unit whose handler threw `err` at `now`: released after the policy's backoff
 * (or the fixed `releaseDelay`) with the error kept, and dead-lettered in the same statement at its last attempt.
 * One random draw per unit, so a failed batch is one statement.
 */
export function failureRelease(
  consumer: Consumer,
  s: FailureSettings,
  now: Date,
  err: unknown,
): (m: QueueMessage) => MessageOutcome {
  const policy = resolveRetryPolicy(consumer.queue, consumer.maxAttemptsDefault, s.retry);
  const draw = Math.random();
  const errors = new Map<number, MessageError>();
  return (m) => {
    const attempt = Math.max(1, m.readCt);
    const delayMs =
      s.releaseDelaySeconds === undefined ? backoffMs(policy, attempt, () => draw) : s.releaseDelaySeconds * 1000;
    let error = errors.get(attempt);
    if (error === undefined) {
      error = toMessageError(err, attempt, now);
      errors.set(attempt, error);
    }
    return {
      action: "release",
      visibleAt: new Date(now.getTime() + delayMs),
      error,
      deadLetterAtReadCt: policy.maxAttempts,
    };
  };
}

/** Apply a failure release to a one-shot claim's messages (`execute`). */
export async function applyFailure(
  consumer: Consumer,
  messages: readonly QueueMessage[],
  failed: (m: QueueMessage) => MessageOutcome,
): Promise<void> {
  for (const m of messages) {
    const o = failed(m);
    if (o.action !== "release") continue;
    await consumer.releaseMany([m.id], o.visibleAt, {
      ...(o.error === undefined ? {} : { error: o.error }),
      ...(o.deadLetterAtReadCt === undefined ? {} : { deadLetterAtReadCt: o.deadLetterAtReadCt }),
    });
  }
}
