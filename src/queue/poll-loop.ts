/**
 * The poll loop: one consumer's only claimer. It paces claims against free handler slots and prefetch, sends the
 * lanes' acknowledgements with the next claim, checks the worker's status and runs maintenance between claims,
 * and backs off on transient errors. What it holds for its life is in `poll-loop-setup.ts`, its options and types
 * in `poll-types.ts`, the handler slots in `poll-lanes.ts`, the enqueue hints in `claim-hints.ts`, hand-offs in
 * `handoff-acceptor.ts`.
 */
import { PgqrsError } from "../errors.js";
import type { QueueMessage } from "../types.js";
import type { HintMark } from "./claim-hints.js";
import { flushAcks, openPollLoop, type PollLoop } from "./poll-loop-setup.js";
import type { PollLoopEnd, PollLoopOptions } from "./poll-types.js";

export type { MessageOutcome, PollLoopEnd, PollLoopOptions, UnitProcessor } from "./poll-types.js";

/**
 * Serve a consumer until it is interrupted, suspended, shut down, or the signal aborts: a failing handler never
 * ends the loop. Resolves when interrupted (the worker is left `suspended`) or aborted (by the signal or
 * `consumer.stop()`: left `stopped`, what it held released), after in-flight handlers finish. Rejects with
 * SUSPENDED when the worker is suspended or stopped by someone else, and with WORKER_NOT_FOUND when its row was
 * deleted.
 */
export async function runPollLoop(options: PollLoopOptions): Promise<PollLoopEnd> {
  const loop = await openPollLoop(options);
  try {
    while (true) {
      if (loop.ending()) return await endOnPurpose(loop);
      const { consumer } = loop;
      if (consumer.lost) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${consumer.id}' not found`);
      const claim = await sendClaim(loop);
      if (claim !== undefined) await afterClaim(loop, claim.limit, claim);
    }
  } catch (err) {
    await loop.stopLanes();
    // Work that was done is acknowledged even when the loop ends: an interrupted worker still owns its leases.
    await flushAcks(loop.consumer, loop.acks, options.onError);
    if (err instanceof PgqrsError && err.code === "SUSPENDED" && err.details.reason === "worker interrupted") {
      return "interrupted";
    }
    throw err;
  } finally {
    await loop.close();
  }
}

/** One pass's claim: how many messages to ask for (0: none), and what the loop knew when it decided. */
interface ClaimPlan {
  limit: number;
  /** Prefetch is refilled only once half of it is used up. */
  topUp: boolean;
  drained: boolean;
  /** Milliseconds until a drained queue is claimed again. */
  renewInMs: number;
  /** Units the loop holds at most: its slots' and its prefetch's. */
  capacity: number;
}

function planClaim(loop: PollLoop): ClaimPlan {
  const { consumer, options, lanes, hints } = loop;
  // A queue with a concurrency or rate limit is claimed only for free slots: a message claimed ahead would
  // hold one of the queue's few leases while waiting for a slot here.
  const depth = consumer.limited ? 0 : loop.prefetch.depth(lanes.meanUnitMs());
  const capacity = loop.concurrency * options.batchSize + depth;
  const room = capacity - lanes.held();
  // Over a network, acknowledgements pile up during each round trip and ride on the next claim together. A
  // local claim returns at once, so a loop that refilled whenever a unit settled would archive and claim one
  // unit per transaction: with prefetch, wait until half of it is used up, then refill it in one statement.
  const topUp = options.refillAtHalf === true && depth > 0 && room < depth / 2 && lanes.held() > 0;
  const sinceShort = hints.sinceShort();
  const renewAt = renewAfterMs(loop);
  const drained = hints.drained(false) && sinceShort < renewAt;
  // Whole units only, so a partly filled unit in flight does not turn into one more unit than there are slots.
  // A drained queue is still claimed from when acknowledgements are sent anyway: the claim rides along.
  const limit =
    (drained && loop.acks.size === 0) || topUp
      ? 0
      : Math.max(0, Math.floor(room / options.batchSize) * options.batchSize);
  return { limit, topUp, drained, renewInMs: renewAt - sinceShort, capacity };
}

/**
 * How long after a short claim the loop claims again when nothing else wakes it, ms: the poll interval, or a little
 * less for a workflow worker taking hand-offs into several slots while it has runs in flight (a run holds its slot
 * for several round trips). That claim usually comes back short and renews the drained state before it runs out.
 * Claimed at the end instead, it would meet the triggers that found the state run out (inserted for a claim), and
 * with few free slots each claim comes back full until one has room for all of them, every trigger meanwhile also
 * missing its hand-off. The lead is a quarter of the poll interval, at most 50 ms.
 */
function renewAfterMs(loop: PollLoop): number {
  const { consumer, options, lanes } = loop;
  const renewsEarly =
    options.acceptHandoffs === true &&
    options.onHandedOffRun !== undefined &&
    options.at === undefined &&
    loop.concurrency > 1 &&
    !consumer.limited &&
    lanes.held() > 0;
  return options.pollIntervalMs - (renewsEarly ? Math.min(50, options.pollIntervalMs / 4) : 0);
}

/**
 * Maintenance and the status read when due, then the claim (with the acknowledgements), or a wait for a lane when
 * there is nothing to send. `undefined`: nothing was claimed (waited, or backed off after an error).
 */
async function sendClaim(
  loop: PollLoop,
): Promise<{ claimed: QueueMessage[]; sent: HintMark; limit: number } | undefined> {
  const { consumer, options, acks } = loop;
  let ackIds: number[] = [];
  try {
    await loop.maintainIfDue();
    // Also while every slot is busy: lanes start prefetched units on their own, and must stop doing so soon
    // after the worker is interrupted.
    await loop.checkStatusIfDue();
    // Planned after those round trips: units that settled meanwhile free their slots for this claim (planned
    // before, their acknowledgements would go alone, in a statement that claims nothing).
    const plan = planClaim(loop);
    if (plan.limit === 0 && (acks.size === 0 || plan.topUp)) {
      await waitForLane(loop, plan);
      return undefined;
    }
    ackIds = acks.take();
    const sent = loop.hints.mark();
    const limit = plan.limit;
    const claimed =
      ackIds.length > 0
        ? (await consumer.archiveAndDequeue(ackIds, loop.claimOptions(limit))).messages
        : options.claim !== undefined
          ? await options.claim(limit)
          : await consumer.dequeue(loop.claimOptions(limit));
    loop.succeeded();
    return { claimed, sent, limit };
  } catch (err) {
    // Acknowledgements not known to be applied are retried with the next statement (archiving twice is a
    // no-op that returns false), so a failed round trip does not turn handled messages into redeliveries.
    acks.restore(ackIds);
    if (isLoopEnding(err)) throw err;
    await loop.backOff(err);
    return undefined;
  }
}

/**
 * Nothing to send: wait for a lane to settle a unit. While prefetching, lanes start units on their own, so the wait
 * is also bounded by the status-check period; a drained queue is claimed again shortly before its poll interval is
 * over (see `renewAfterMs`).
 */
async function waitForLane(loop: PollLoop, plan: ClaimPlan): Promise<void> {
  const { options } = loop;
  const busy = loop.waker.sleep(
    plan.drained
      ? plan.renewInMs
      : plan.capacity > loop.concurrency * options.batchSize
        ? options.pollIntervalMs
        : Number.POSITIVE_INFINITY,
  );
  await busy.done;
  busy.cancel();
}

/**
 * Hand the claimed units to the lanes and note whether the queue is drained; when it has nothing more for now,
 * wait for an acknowledgement, a free slot, a notification or the poll.
 */
async function afterClaim(
  loop: PollLoop,
  limit: number,
  { claimed, sent }: { claimed: QueueMessage[]; sent: HintMark },
): Promise<void> {
  const { options, lanes, hints, waker } = loop;
  for (let i = 0; i < claimed.length; i += options.batchSize) lanes.add(claimed.slice(i, i + options.batchSize));
  if (limit > 0 && claimed.length >= limit) {
    hints.full();
    return;
  }
  if (limit > 0) hints.short(sent);
  if (loop.acks.size > 0) return;
  if (lanes.held() > 0) {
    const idle = waker.sleep(renewAfterMs(loop), options.signal);
    await idle.done;
    idle.cancel();
    return;
  }
  // Before going idle, the status as of at most one poll interval ago: read only if the check at the top of this
  // pass did not just read it (an idle loop reads its worker's row once per poll, not twice).
  try {
    await loop.checkStatusIfDue();
  } catch (err) {
    if (isLoopEnding(err)) throw err;
    // A status read can fail while the database restarts: the loop backs off and carries on.
    await loop.backOff(err);
    return;
  }
  await waker.wait(options.pollIntervalMs, options.signal);
}

/**
 * Ended on purpose: the worker stops (what it still holds is released), so it is not left `ready` with no one
 * heartbeating or serving it. Only by the last of its loops: another loop of the same consumer may still be
 * finishing a handler whose message must not be released under it.
 */
async function endOnPurpose(loop: PollLoop): Promise<PollLoopEnd> {
  const { consumer, options } = loop;
  await loop.stopLanes();
  await flushAcks(consumer, loop.acks, options.onError);
  loop.detach();
  if (consumer.attachedLoops === 0) await consumer.markStopped().catch((err: unknown) => options.onError?.(err));
  return "aborted";
}

function isLoopEnding(err: unknown): boolean {
  return err instanceof PgqrsError && ["SUSPENDED", "WORKER_NOT_FOUND", "STORE_CLOSED"].includes(err.code);
}
