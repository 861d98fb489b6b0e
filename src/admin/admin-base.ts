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

  async status(): Promise<WorkerStatus> {
    return (await this.#handle()).status();
  }

  async suspend(): Promise<void> {
    await (await this.#handle()).suspend();
  }

  async resume(): Promise<void> {
    await (await this.#handle()).resume();
  }

  async shutdown(): Promise<void> {
    await (await this.#handle()).shutdown();
  }

  async heartbeat(): Promise<void> {
    await (await this.#handle()).heartbeat();
  }

  /** True when the admin worker heartbeated within `maxAgeMs` milliseconds. */
  async isHealthy(maxAgeMs: number): Promise<boolean> {
    assertMilliseconds("maxAgeMs", maxAgeMs);
    return (await this.#handle()).isHealthy(maxAgeMs);
  }

  get store(): Store {
    return this.#store;
  }
}
