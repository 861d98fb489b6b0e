/**
 * Listening for a queue's messages: this store's enqueue signals at once, and the database's notifications of
 * other processes' enqueues where the backend has them, rate-limited (and slowed while the wake-ups they cause find
 * nothing, which {@link RemoteWakeOutcome} tracks from the consumer's claims).
 */
import type { EngineContext } from "../workers/engine-context.js";
import type { Consumer } from "./consumer.js";
import { coalesceWakeups, REMOTE_WAKE_MIN_INTERVAL_MS } from "./wake-coalescer.js";

/** What the claims since the last wake-up from a notification found: nothing yet claimed, nothing, or messages. */
export class RemoteWakeOutcome {
  #state: "pending" | "fruitless" | "found" = "found";

  /** A notification woke the consumer: its next claim tells whether the wake-up found anything. */
  woke(): void {
    this.#state = "pending";
  }

  /** Feeds the wake-up backoff: a claim that found messages resets it; one after a wake-up that found none sets it. */
  noteClaim(found: number): void {
    if (found > 0) this.#state = "found";
    else if (this.#state === "pending") this.#state = "fruitless";
  }

  /** Whether the claims since the last wake-up found nothing. */
  get fruitless(): boolean {
    return this.#state === "fruitless";
  }
}

/**
 * `consumer.listenForMessages(onMessages)`: see {@link Consumer.listenForMessages}. Remote wake-ups are reported to
 * `wakes`. Resolves with the function that stops listening.
 */
export async function listenForQueueMessages(
  ctx: EngineContext,
  consumer: Consumer,
  wakes: RemoteWakeOutcome,
  onMessages: (from: "local" | "remote") => void,
): Promise<() => Promise<void>> {
  const stopLocal = ctx.enqueueSignals.subscribe(consumer.queue.id, () => onMessages("local"));
  const backend = ctx.backend;
  if (!backend.capabilities.listenNotify || backend.listen === undefined) return async () => stopLocal();
  // Any role that can connect may NOTIFY the channel: its wake-ups are rate-limited on the store clock, so a
  // flood cannot make this consumer claim in a loop (security review L6).
  const remote = coalesceWakeups(
    consumer.timers,
    REMOTE_WAKE_MIN_INTERVAL_MS,
    () => {
      wakes.woke();
      onMessages("remote");
    },
    { idleIntervalMs: ctx.config.pollIntervalMs, fruitless: () => wakes.fruitless },
  );
  let stopRemote: () => Promise<void>;
  try {
    stopRemote = await backend.listen({ queueId: consumer.queue.id, onNotify: () => remote.notify() });
  } catch (err) {
    stopLocal();
    throw err;
  }
  return async () => {
    stopLocal();
    remote.cancel();
    await stopRemote();
  };
}
