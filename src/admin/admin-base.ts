/**
 * The ground every part of `Admin` stands on: the store it administers, and the named admin worker it may
 * act as (pgqrs's `admin(&store).name(..)`), with that worker's identity and lifecycle.
 */
import type { Store } from "../api/pgqrs-store.js";
import { ValidationError } from "../errors.js";
import type { StoreBackend } from "../store/store.js";
import type { WorkerRecord, WorkerStatus } from "../types.js";
import { assertMilliseconds } from "../validation/time-arguments.js";
import type { WorkerHandle } from "../workers/worker-handle.js";

/** The backend of an open store; STORE_CLOSED once the store is closed. */
export function openBackend(store: Store): StoreBackend {
  store.context.assertOpen();
  return store.context.backend;
}

/** The store of an `Admin` and the admin worker it acts as, if any. */
export class AdminBase {
  readonly #store: Store;
  readonly #worker: Promise<WorkerHandle> | undefined;

  /** `worker`: the named admin worker this admin acts as (see `Admin.name`); none for `pgqrs.admin(store)`. */
  constructor(store: Store, worker?: Promise<WorkerHandle>) {
    this.#store = store;
    this.#worker = worker;
    // A registration that fails surfaces at the first worker call, not as an unhandled rejection.
    worker?.catch(() => undefined);
  }

  async #handle(): Promise<WorkerHandle> {
    if (this.#worker === undefined) {
      throw new ValidationError("this admin acts as no worker; use pgqrs.admin(store).name(name) or store.admin(name)");
    }
    return this.#worker;
  }

  /** The admin worker's id. VALIDATION_FAILED for an admin without a worker. */
  async workerId(): Promise<number> {
    return (await this.#handle()).id;
  }

  /** The admin worker's row as last read or written. */
  async workerRecord(): Promise<WorkerRecord> {
    return (await this.#handle()).record;
  }

  /**
   * The admin worker's status as stored now (re-read). VALIDATION_FAILED for an admin without a worker;
   * WORKER_NOT_FOUND when its row is gone.
   */
  async status(): Promise<WorkerStatus> {
    return (await this.#handle()).status();
  }

  /**
   * Move the admin worker from ready, polling or interrupted to suspended. INVALID_STATE_TRANSITION (row unchanged)
   * from any other status; WORKER_NOT_FOUND when its row is gone; VALIDATION_FAILED for an admin without a worker.
   */
  async suspend(): Promise<void> {
    await (await this.#handle()).suspend();
  }

  /**
   * Move the suspended admin worker back to ready. INVALID_STATE_TRANSITION (row unchanged) unless suspended;
   * WORKER_NOT_FOUND when its row is gone; VALIDATION_FAILED for an admin without a worker.
   */
  async resume(): Promise<void> {
    await (await this.#handle()).resume();
  }

  /**
   * Stop the suspended admin worker (`shutdown_at` = now; its heartbeats end): {@link suspend} first.
   * INVALID_STATE_TRANSITION (row unchanged) unless suspended; WORKER_NOT_FOUND when its row is gone;
   * VALIDATION_FAILED for an admin without a worker.
   */
  async shutdown(): Promise<void> {
    await (await this.#handle()).shutdown();
  }

  /**
   * Write the admin worker's `heartbeat_at` = now (the store's clock). WORKER_NOT_FOUND when its row is gone;
   * VALIDATION_FAILED for an admin without a worker; STORE_CLOSED.
   */
  async heartbeat(): Promise<void> {
    await (await this.#handle()).heartbeat();
  }

  /** True when the admin worker heartbeated within `maxAgeMs` milliseconds. */
  async isHealthy(maxAgeMs: number): Promise<boolean> {
    assertMilliseconds("maxAgeMs", maxAgeMs);
    return (await this.#handle()).isHealthy(maxAgeMs);
  }

  /** The store this admin administers. */
  get store(): Store {
    return this.#store;
  }
}
