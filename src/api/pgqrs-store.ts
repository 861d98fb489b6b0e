/** The `Store` facade: one connection to a pgqrs database and the workers, builders and admin it hands out. */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Admin } from "../admin/admin.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { isPgqrsError, storeClosed } from "../errors.js";
import type { CreateQueueOptions } from "../queue-controls-types.js";
import { Consumer } from "../queue/consumer.js";
import { Producer } from "../queue/producer.js";
import type { StoreBackend, StoreCapabilities } from "../store/store.js";
import type { QueueMessage, QueueRecord, WorkflowRecord } from "../types.js";
import type { EngineContext } from "../workers/engine-context.js";
import { createEnqueueSignals } from "../queue/enqueue-signals.js";
import { type Logger, silentLogger } from "../observability/logger.js";
import { HeartbeatRegistry } from "../workers/heartbeat-registry.js";
import { storeTasksOf } from "../workers/store-tasks.js";
import { WorkerHandle } from "../workers/worker-handle.js";
import type { Run } from "../workflow/run.js";
import { runForMessage } from "../workflow/workflow-handler.js";
import { assertName, queueNotFound } from "../validation/names.js";
import { createQueue } from "./create-queue.js";
import { EphemeralWorkers } from "./ephemeral-workers.js";
import { Tables } from "./tables.js";
import { eventsOf, type StoreEvents } from "../observability/events.js";
import {
  type ConsumerOptions,
  type ProducerOptions,
  type SwapHint,
  swappedArgumentsError,
  workerArguments,
} from "./worker-registration.js";

/**
 * A connection to one pgqrs database (Postgres or SQLite), with its configuration and clock.
 * Create with `connect(dsn)` or `connectWithConfig(config)`; close with `close()`.
 */
export class Store {
  /** The configuration the store was opened with (DSN, schema, `maxReadCt`, timeouts, …), as validated. */
  readonly config: Config;
  /** The clock every time the store reads or writes comes from: `connect(dsn, { clock })`, default `systemClock`. */
  readonly clock: Clock;
  readonly #backend: StoreBackend;
  readonly #heartbeats: HeartbeatRegistry;
  readonly #ctx: EngineContext;
  readonly #handles = new Set<WorkerHandle>();
  readonly #ephemeral = new EphemeralWorkers();
  /** Workflow names this store has seen defined, so triggers skip the lookup (like the ephemeral producers). */
  readonly #knownWorkflows = new Set<string>();
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Not for direct use: use `connect` / `connectWithConfig`. */
  constructor(backend: StoreBackend, config: Config, clock: Clock, logger: Logger = silentLogger) {
    this.#backend = backend;
    this.config = config;
    this.clock = clock;
    this.#heartbeats = new HeartbeatRegistry(backend, clock, config.heartbeatIntervalSeconds * 1000, logger);
    const assertOpen = (): void => {
      if (this.#closed) throw storeClosed();
    };
    this.#ctx = {
      backend,
      config,
      clock,
      heartbeats: this.#heartbeats,
      logger,
      enqueueSignals: createEnqueueSignals(),
      assertOpen,
    };
  }

  /** @internal The engine's view of this store. */
  get context(): EngineContext {
    return this.#ctx;
  }

  /**
   * In-process hooks on this store's work: `store.events.on("failed", (e) => …)` (events: `enqueued`,
   * `completed`, `failed`, `deadLettered`, `runStarted`, `runFinished`, `stepFinished`, `workerStopped`).
   */
  get events(): StoreEvents {
    return eventsOf(this.#ctx);
  }

  /** What the backend can do. */
  get capabilities(): StoreCapabilities {
    return this.#backend.capabilities;
  }

  /** `"postgres"` or `"sqlite"`. */
  backendName(): string {
    return this.#backend.capabilities.backendName;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Create a queue with its settings (see `CreateQueueOptions`: retry policy, concurrency limit, rate limit).
   * QUEUE_ALREADY_EXISTS when the name is taken, unless `ifNotExists: true` (then the existing queue is returned,
   * its settings unchanged). VALIDATION_FAILED naming the field for a bad option, nothing written.
   */
  async queue(name: string, options?: CreateQueueOptions): Promise<QueueRecord> {
    return createQueue(this.#ctx, name, options);
  }

  /** The queue of that name. QUEUE_NOT_FOUND when missing. */
  async getQueue(name: string): Promise<QueueRecord> {
    this.#ctx.assertOpen();
    assertName("queue", name);
    const q = await this.#backend.getQueueByName(name);
    if (q === null) throw queueNotFound(name);
    return q;
  }

  /**
   * Register a producer of `queue`: `store.producer("emails", { name: "api-1" })`, or pgqrs's positional
   * `store.producer("emails", "api-1")`. The name defaults to `<hostname>-<uuid>`. QUEUE_NOT_FOUND when the queue
   * does not exist (saying the arguments look swapped when a positional name is an existing queue).
   */
  async producer(queue: string, options?: ProducerOptions | string): Promise<Producer> {
    const { name, hint } = workerArguments("producer", options);
    return this.producerFor(queue, name, hint);
  }

  /** @internal Register a producer; a QUEUE_NOT_FOUND says how to write the call when `hint` is given. */
  async producerFor(queue: string, name: string | undefined, hint: SwapHint): Promise<Producer> {
    const q = await this.#queueFor(queue, name, hint);
    const record = await this.#register(name ?? `${hostname()}-${randomUUID()}`, q.id);
    return this.#track(new Producer(this.#ctx, q, record));
  }

  /**
   * Administration acting as a named admin worker (pgqrs's `store.admin(name)`): the worker row has no queue and
   * starts `ready`; without a name, the same as `pgqrs.admin(store)` (no worker row).
   */
  async admin(name?: string): Promise<Admin> {
    if (name === undefined) return new Admin(this);
    const worker = this.registerAdminWorker(name);
    await worker;
    return new Admin(this, worker);
  }

  /** @internal Register an admin worker (no queue) named `name`. */
  async registerAdminWorker(name: string): Promise<WorkerHandle> {
    return this.#track(new WorkerHandle(this.#ctx, await this.#register(name, null)));
  }

  /**
   * Register a consumer of `queue`: `store.consumer("emails", { name: "worker-1" })`, or pgqrs's positional
   * `store.consumer("emails", "worker-1")`. The name defaults to `<hostname>-<uuid>`. QUEUE_NOT_FOUND when the queue
   * does not exist (saying the arguments look swapped when a positional name is an existing queue).
   */
  async consumer(queue: string, options?: ConsumerOptions | string): Promise<Consumer> {
    const { name, hint } = workerArguments("consumer", options);
    return this.consumerFor(queue, name, hint);
  }

  /** @internal Register a consumer; a QUEUE_NOT_FOUND says how to write the call when `hint` is given. */
  async consumerFor(queue: string, name: string | undefined, hint: SwapHint): Promise<Consumer> {
    const q = await this.#queueFor(queue, name, hint);
    const record = await this.#register(name ?? `${hostname()}-${randomUUID()}`, q.id);
    return this.#track(new Consumer(this.#ctx, q, record));
  }

  /** The queue a worker registers with; when it is missing but the worker's name is a queue, the swap is named. */
  async #queueFor(queue: string, name: string | undefined, hint: SwapHint): Promise<QueueRecord> {
    try {
      return await this.getQueue(queue);
    } catch (err) {
      if (hint === undefined || name === undefined || name === queue || !isPgqrsError(err, "QUEUE_NOT_FOUND"))
        throw err;
      const named = await this.#backend.getQueueByName(name).catch(() => null);
      throw named === null ? err : swappedArgumentsError(queue, name, hint);
    }
  }

  /** Create a workflow definition and its queue; returns the existing one when it is already there. */
  async createWorkflow(name: string): Promise<WorkflowRecord> {
    this.#ctx.assertOpen();
    assertName("workflow", name);
    return this.#backend.createWorkflow({ name, now: this.clock.now() });
  }

  /** The run of a workflow trigger message, created QUEUED on first call. */
  async run(message: QueueMessage): Promise<Run> {
    return runForMessage(this.#ctx, message);
  }

  /** Low-level table access (lists and counts). */
  tables(): Tables {
    return new Tables(this.#ctx);
  }

  /** @internal The one ephemeral producer of this store for `queue`, registered on first use. */
  ephemeralProducer(queue: string): Promise<Producer> {
    return this.#ephemeral.producer(queue, () => this.producerFor(queue, `__ephemeral__${randomUUID()}`, undefined));
  }

  /** @internal Whether this store has (or is registering) its ephemeral producer of `queue`. */
  hasEphemeralProducer(queue: string): boolean {
    return this.#ephemeral.hasProducer(queue);
  }

  /**
   * @internal Drop this store's ephemeral workers of `queue` after their rows were deleted (purge, queue delete),
   * so the next builder call registers fresh ones instead of writing with a worker id that no longer exists.
   */
  forgetEphemeralWorkers(queue: string): void {
    this.#ephemeral.forget(queue);
  }

  /** @internal The one ephemeral consumer of this store for `queue`, registered on first use. */
  ephemeralConsumer(queue: string): Promise<Consumer> {
    return this.#ephemeral.consumer(queue, () => this.consumerFor(queue, `__ephemeral__${randomUUID()}`, undefined));
  }

  /** @internal Whether a workflow of this name was found by this store (and not deleted through it since). */
  knowsWorkflow(name: string): boolean {
    return this.#knownWorkflows.has(name);
  }

  /** @internal Remember (`true`) or forget (`false`) that a workflow of this name exists. */
  markWorkflow(name: string, exists: boolean): void {
    if (exists) this.#knownWorkflows.add(name);
    else this.#knownWorkflows.delete(name);
  }

  /** @internal Keep a handle so `close()` can stop it. */
  track<H extends WorkerHandle>(handle: H): H {
    return this.#track(handle);
  }

  /**
   * Stop background heartbeats, stop this store's ephemeral workers, and close the connections. Idempotent.
   * Named workers are left as they are (shut them down explicitly); their heartbeats stop.
   */
  async close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#ephemeral.stopAll(this.#backend, this.clock);
    for (const handle of this.#handles) handle.detach();
    await storeTasksOf(this.#ctx).stop();
    await this.#heartbeats.stop();
    this.#closed = true;
    await this.#backend.close();
  }

  async #register(name: string, queueId: number | null) {
    this.#ctx.assertOpen();
    assertName("worker", name);
    return this.#backend.registerWorker({ name, queueId, now: this.clock.now() });
  }

  #track<H extends WorkerHandle>(handle: H): H {
    this.#handles.add(handle);
    return handle;
  }
}

// Moved to validation/names.ts; still exported here for the modules that import them from this one.
export { assertName, queueNotFound };
