import { type Clock, type Timers, timersOf } from "../clock.js";
import { InvalidStateTransitionError, PgqrsError, ValidationError } from "../errors.js";
import { log } from "../observability/logger.js";
import type { WorkerRecord, WorkerStatus } from "../types.js";
import type { EngineContext } from "./engine-context.js";
import { storeTasksOf } from "./store-tasks.js";
import { WORKER_TRANSITIONS, type WorkerOperation } from "./worker-transitions.js";

/** `worker.stop(options)`. */
export interface StopOptions {
  /** How long handlers in flight may run before their messages are released, ms, 0 to 2^31 − 1. Default 30,000. */
  timeoutMs?: number;
}

/** @internal What `stop` needs of a poll loop serving the worker. */
export interface LoopControl {
  /** End the loop as its AbortSignal would: claim nothing more, let handlers in flight finish. */
  requestStop(): void;
  /** Settles when the loop has ended. */
  done: Promise<unknown>;
  /** Acknowledge now what its finished handlers are waiting to acknowledge (before a stop releases the rest). */
  flush(): Promise<void>;
}

/**
 * A registered worker (producer, consumer or workflow worker): its row in `pgqrs_workers` and its lifecycle.
 * While it is not stopped, the store heartbeats it in the background.
 */
export class WorkerHandle {
  protected readonly ctx: EngineContext;
  #record: WorkerRecord;
  #clock: Clock | undefined;
  #lost = false;
  readonly #statusListeners = new Set<() => void>();
  readonly #loops = new Set<LoopControl>();

  /** Internal: handles are created by the store, already registered; heartbeats start unless `record` is `stopped`. */
  constructor(ctx: EngineContext, record: WorkerRecord) {
    this.ctx = ctx;
    this.#record = record;
    if (record.status !== "stopped") this.#startHeartbeats();
    log(ctx.logger, "debug", workerFields(record), "pgqrs: worker registered");
  }

  /** The worker's id in `pgqrs_workers`. */
  get id(): number {
    return this.#record.id;
  }

  /** pgqrs's name for {@link id}. */
  workerId(): number {
    return this.#record.id;
  }

  /** The worker's unique name in `pgqrs_workers`. */
  get name(): string {
    return this.#record.name;
  }

  /** The row as last read or written by this handle. */
  get record(): WorkerRecord {
    return this.#record;
  }

  /** pgqrs's accessor for {@link record}. */
  workerRecord(): WorkerRecord {
    return this.#record;
  }

  /** True once the row was found deleted (by an admin); the handle can no longer work. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Pin this handle's notion of "now" (tests); `undefined` returns to the store's clock. */
  withTime(at: Date | undefined): this {
    this.#clock = at === undefined ? undefined : { now: () => new Date(at.getTime()) };
    return this;
  }

  /** The pinned time, if any. */
  currentTime(): Date | undefined {
    return this.#clock?.now();
  }

  /** This handle's current time (the pinned time, or the store's clock). */
  now(): Date {
    return (this.#clock ?? this.ctx.clock).now();
  }

  /** @internal The timers of the store's clock, which this worker's loops wait on (real or virtual time). */
  get timers(): Timers {
    return timersOf(this.ctx.clock);
  }

  /** The status stored in the database now. WORKER_NOT_FOUND when the row is gone. */
  async status(): Promise<WorkerStatus> {
    return (await this.refresh()).status;
  }

  /** Re-read the row. */
  async refresh(): Promise<WorkerRecord> {
    this.ctx.assertOpen();
    const row = await this.ctx.backend.getWorker(this.id);
    if (row === null) throw this.#notFound();
    this.#record = row;
    return row;
  }

  /** ready|polling|interrupted → suspended. */
  async suspend(): Promise<void> {
    await this.transition("suspend");
  }

  /** suspended → ready. */
  async resume(): Promise<void> {
    await this.transition("resume");
  }

  /** suspended → stopped; heartbeats end. */
  async shutdown(): Promise<void> {
    await this.transition("shutdown");
  }

  /** polling → interrupted: a poll loop serving this worker ends at its next check. */
  async interrupt(): Promise<void> {
    await this.transition("interrupt");
  }

  /** ready|polling → polling. */
  async poll(): Promise<void> {
    await this.transition("poll");
  }

  /** polling → ready. */
  async completePoll(): Promise<void> {
    await this.transition("completePoll");
  }

  /** Write `heartbeat_at = now`. WORKER_NOT_FOUND when the row is gone. */
  async heartbeat(): Promise<void> {
    this.ctx.assertOpen();
    const found = await this.ctx.backend.heartbeat({ id: this.id, now: this.now() });
    if (!found) throw this.#notFound();
  }

  /** True when the last heartbeat is younger than `maxAgeMs` milliseconds. */
  async isHealthy(maxAgeMs: number): Promise<boolean> {
    const row = await this.refresh();
    return row.heartbeatAt.getTime() > this.now().getTime() - maxAgeMs;
  }

  /** True once this handle saw the worker stopped (by `stop`, `shutdown`, or an aborted loop). */
  get stopped(): boolean {
    return this.#record.status === "stopped";
  }

  /**
   * @internal A poll loop serving this worker registers here, so {@link stop} can end it; returns the function
   * that unregisters it.
   */
  attachLoop(control: LoopControl): () => void {
    this.#loops.add(control);
    // Every poll loop keeps the store's periodic jobs (schedules firing) running: one timer per store.
    const releaseTasks = storeTasksOf(this.ctx).acquire();
    return () => {
      this.#loops.delete(control);
      releaseTasks();
    };
  }

  /**
   * Stop this worker in one call: its loops stop claiming, handlers in flight may finish until `timeoutMs`
   * (acknowledged as usual), then whatever it still holds is released (visible again at once) and the worker is
   * `stopped` (heartbeats end). Idempotent; a stopped worker stays stopped.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    this.ctx.assertOpen();
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0 && timeoutMs <= 2_147_483_647)) {
      throw new ValidationError(`timeoutMs must be 0 to 2147483647 ms, got ${timeoutMs}`, { argument: "timeoutMs" });
    }
    const loops = [...this.#loops];
    for (const loop of loops) loop.requestStop();
    if (loops.length > 0) {
      const timers = this.timers;
      let timer: { cancel(): void } | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = timers.setTimeout(resolve, timeoutMs, { unref: true });
      });
      const ended = await Promise.race([
        Promise.allSettled(loops.map((l) => l.done)).then(() => true),
        expired.then(() => false),
      ]);
      timer?.cancel();
      // Every loop ended on purpose: the last one acknowledged its work, released what was held and stopped the
      // worker before its `done` settled (poll-loop.ts `endOnPurpose`). Nothing is left to do, and a caller that
      // closes the store once `done` settles must not race a second, redundant stop.
      if (ended && this.#record.status === "stopped") return;
      // Handlers that finished while another outlived the timeout: their work is acknowledged, not released.
      await Promise.allSettled(loops.map((l) => l.flush()));
    }
    await this.markStopped();
  }

  /** @internal How many poll loops serve this worker now. */
  get attachedLoops(): number {
    return this.#loops.size;
  }

  /**
   * @internal Release what this worker still holds and move it to `stopped` from any other status (no-op when it
   * already is). Used by {@link stop} and by a loop its AbortSignal ended.
   */
  async markStopped(): Promise<void> {
    if (this.#lost) return;
    const now = this.now();
    await this.ctx.backend.releaseWorkerMessages({ workerId: this.id, now });
    const row = await this.ctx.backend.transitionWorker({
      id: this.id,
      from: ["ready", "polling", "interrupted", "suspended"],
      to: "stopped",
      now,
    });
    if (row !== null) this.#record = row;
    else {
      const current = await this.ctx.backend.getWorker(this.id);
      if (current === null) throw this.#notFound();
      this.#record = current;
    }
    this.ctx.heartbeats.remove(this.id);
    log(this.ctx.logger, "debug", workerFields(this.#record), "pgqrs: worker stopped");
    for (const listener of this.#statusListeners) listener();
  }

  /** Run a guarded transition; INVALID_STATE_TRANSITION (row unchanged) when the current status forbids it. */
  protected async transition(op: WorkerOperation): Promise<WorkerRecord> {
    this.ctx.assertOpen();
    const t = WORKER_TRANSITIONS[op];
    const row = await this.ctx.backend.transitionWorker({ id: this.id, from: t.from, to: t.to, now: this.now() });
    if (row === null) {
      const current = await this.ctx.backend.getWorker(this.id);
      if (current === null) throw this.#notFound();
      this.#record = current;
      throw new InvalidStateTransitionError(current.status, t.to, t.reason);
    }
    this.#record = row;
    log(this.ctx.logger, "debug", { ...workerFields(row), operation: op }, `pgqrs: worker is now ${row.status}`);
    if (row.status === "stopped") this.ctx.heartbeats.remove(this.id);
    for (const listener of this.#statusListeners) listener();
    return row;
  }

  /** Called when this handle changes the worker's status, so local waiters re-check at once. */
  onStatusChange(listener: () => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Stop heartbeating without changing the row (used when the store closes). */
  detach(): void {
    this.ctx.heartbeats.remove(this.id);
  }

  #startHeartbeats(): void {
    this.ctx.heartbeats.add(this.id, () => {
      this.#lost = true;
      for (const listener of this.#statusListeners) listener();
    });
  }

  #notFound(): PgqrsError {
    this.#lost = true;
    return new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${this.id}' not found`, {
      details: { workerId: this.id },
    });
  }
}

function workerFields(w: WorkerRecord): Record<string, unknown> {
  return { workerId: w.id, worker: w.name, queueId: w.queueId, status: w.status };
}
