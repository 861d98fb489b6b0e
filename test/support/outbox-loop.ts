/**
 * The outbox tests' sleeping loop: a virtual-time store with an "outbox" queue, a producer, and an ordinary
 * dequeue loop that records every handled payload and is asleep for its whole poll interval when this returns,
 * so a test can show that a commit (not the passing of time) wakes it.
 */
import * as pgqrs from "../../src/index.js";
import type { SqliteOrPostgres } from "./backends.js";
import { openVirtualStore, untilTimerAt } from "./virtual-time.js";

/** A store with a loop asleep on the "outbox" queue, from {@link sleepingOutboxLoop}. */
export type SleepingOutboxLoop = Awaited<ReturnType<typeof openVirtualStore>> & {
  /** A producer of the "outbox" queue. */
  producer: pgqrs.Producer;
  /** The payloads the loop has handled, in order. */
  seen: unknown[];
  /** Aborts the loop and waits for it to end. */
  stop(): Promise<void>;
};

/** Opens a virtual-time store, starts the loop with `pollIntervalMs` and waits until it sleeps that long. */
export async function sleepingOutboxLoop(
  backend: SqliteOrPostgres,
  pollIntervalMs: number,
): Promise<SleepingOutboxLoop> {
  const t = await openVirtualStore(backend);
  await pgqrs.admin(t.store).createQueue("outbox");
  const producer = await t.store.producer("outbox");
  const seen: unknown[] = [];
  const ctl = new AbortController();
  const loop = pgqrs
    .dequeue()
    .from("outbox")
    .pollInterval(pollIntervalMs)
    .signal(ctl.signal)
    .handle(async (m) => {
      seen.push(m.payload);
    })
    .poll(t.store);
  await untilTimerAt(t.clock, pollIntervalMs);
  const stop = async () => {
    ctl.abort();
    await loop;
  };
  return { ...t, producer, seen, stop };
}
