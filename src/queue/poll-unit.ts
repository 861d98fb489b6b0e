/**
 * One claimed unit of a poll loop, run by a lane (poll-lanes.ts): its handler, its leases kept alive meanwhile, and
 * its messages settled (acknowledged with the loop's next statement, or archived and released at once).
 */
import type { QueueMessage } from "../types.js";
import type { MessageError } from "../queue-controls-types.js";
import type { Consumer, ReleaseOptions } from "./consumer.js";
import type { MessageOutcome, PollLoopOptions } from "./poll-types.js";

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
 * Run one unit's handler and settle its messages: a fully archived unit returns its ids, for the lane to hand to the
 * loop's next statement (in the same step that frees its slot); anything else (releases, mixed outcomes) is applied
 * at once, and nothing is returned.
 */
export async function runUnit(
  consumer: Consumer,
  unit: QueueMessage[],
  options: PollLoopOptions,
): Promise<number[] | undefined> {
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
  if (unit.every((_, i) => outcomes[i]?.action === "archive")) return unit.map((m) => m.id);
  try {
    await applyOutcomes(consumer, unit, outcomes);
  } catch (err) {
    // An acknowledgement that fails leaves the lease to expire: the message is redelivered, never lost.
    options.onError?.(err);
  }
  return undefined;
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
