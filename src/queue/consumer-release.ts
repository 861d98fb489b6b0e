/**
 * A consumer's releases: held messages given back, visible again at a chosen time, optionally with the failure
 * kept on them and dead-lettered in the same statement (the `failed` and `deadLettered` events then follow).
 */
import type { StoreEvents } from "../observability/events.js";
import { assertIds } from "../validation/arguments.js";
import { assertDate } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import type { Consumer } from "./consumer.js";
import type { ReleaseOptions } from "./consumer-options.js";
import { emitFailed, type MessageEventSource } from "./message-events.js";

/** `consumer.releaseMany(ids, visibleAt, options)`: see {@link Consumer.releaseMany}. */
export async function releaseHeld(
  consumer: Consumer,
  ctx: EngineContext,
  events: StoreEvents,
  source: MessageEventSource,
  ids: readonly number[],
  visibleAt: Date | undefined,
  options: ReleaseOptions,
): Promise<boolean[]> {
  ctx.assertOpen();
  assertIds("ids", ids);
  if (visibleAt !== undefined) assertDate("visibleAt", visibleAt);
  if (ids.length === 0) return [];
  const at = visibleAt ?? consumer.now();
  const results = await ctx.backend.release({
    ids,
    workerId: consumer.id,
    now: consumer.now(),
    visibleAt: at,
    refundDelivery: options.refundDelivery === true,
    ...(options.error === undefined ? {} : { error: options.error }),
    ...(options.deadLetterAtReadCt === undefined ? {} : { deadLetterAtReadCt: options.deadLetterAtReadCt }),
  });
  if (options.error !== undefined) {
    const { error, deadLetterAtReadCt } = options;
    emitFailed(events, source, { ids, results, visibleAt: at, error, deadLetterAtReadCt });
  }
  return results;
}
