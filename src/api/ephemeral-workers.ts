/**
 * A store's ephemeral workers: the one producer and the one consumer per queue that the builders
 * (`pgqrs.enqueue()`, `pgqrs.dequeue()`, ...) register on first use and share, and their stop when the store closes.
 */
import type { Clock } from "../clock.js";
import type { Consumer } from "../queue/consumer.js";
import type { Producer } from "../queue/producer.js";
import type { StoreBackend } from "../store/store.js";
import type { WorkerHandle } from "../workers/worker-handle.js";

interface Cached<H extends WorkerHandle> {
  promise: Promise<H>;
  /** Set once registered, so a handle whose row turned out to be gone can be replaced without awaiting. */
  handle?: H;
}

/** The ephemeral producers and consumers of one store, by queue name. */
export class EphemeralWorkers {
  readonly #producers = new Map<string, Cached<Producer>>();
  readonly #consumers = new Map<string, Cached<Consumer>>();

  /** The producer of `queue`, registered with `make` on first use (or when the last one was lost or stopped). */
  producer(queue: string, make: () => Promise<Producer>): Promise<Producer> {
    return cached(this.#producers, queue, make);
  }

  /**
   * Whether `queue` has a live producer here, registered or being registered: a builder that finds none checks its
   * payloads before {@link producer} writes the producer's row (bad input writes nothing).
   */
  hasProducer(queue: string): boolean {
    const hit = this.#producers.get(queue);
    return hit !== undefined && hit.handle?.lost !== true && hit.handle?.stopped !== true;
  }

  /** The consumer of `queue`, registered with `make` on first use (or when the last one was lost or stopped). */
  consumer(queue: string, make: () => Promise<Consumer>): Promise<Consumer> {
    return cached(this.#consumers, queue, make);
  }

  /** Drop the workers of `queue` (their rows were deleted), so the next use registers fresh ones. */
  forget(queue: string): void {
    for (const map of [this.#producers, this.#consumers] as Map<string, Cached<WorkerHandle>>[]) {
      const entry = map.get(queue);
      map.delete(queue);
      entry?.handle?.detach();
    }
  }

  /** Release every ephemeral worker's messages and mark it stopped; a worker that cannot be stopped is skipped. */
  async stopAll(backend: StoreBackend, clock: Clock): Promise<void> {
    const ephemeral = [...this.#producers.values(), ...this.#consumers.values()];
    for (const { promise } of ephemeral) {
      try {
        const handle = await promise;
        await backend.releaseWorkerMessages({ workerId: handle.id, now: clock.now() });
        await backend.transitionWorker({
          id: handle.id,
          from: ["ready", "polling", "interrupted", "suspended"],
          to: "stopped",
          now: clock.now(),
        });
      } catch {
        // Closing must not fail because one ephemeral worker could not be stopped (e.g. the database is gone).
      }
    }
  }
}

function cached<H extends WorkerHandle>(map: Map<string, Cached<H>>, key: string, make: () => Promise<H>): Promise<H> {
  const hit = map.get(key);
  if (hit !== undefined && hit.handle?.lost !== true && hit.handle?.stopped !== true) return hit.promise;
  const entry: Cached<H> = { promise: make() };
  map.set(key, entry);
  entry.promise.then(
    (handle) => {
      entry.handle = handle;
    },
    // A failed registration (unknown queue) must not be cached.
    () => {
      if (map.get(key) === entry) map.delete(key);
    },
  );
  return entry.promise;
}
