import { type Clock, type Timers, timersOf } from "../clock.js";
import { InvalidStateTransitionError, PgqrsError } from "../errors.js";
import type { WorkerRecord, WorkerStatus } from "../types.js";
import type { EngineContext } from "./engine-context.js";
import { WORKER_TRANSITIONS, type WorkerOperation } from "./worker-transitions.js";

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

  constructor(ctx: EngineContext, record: WorkerRecord) {
    this.ctx = ctx;
    this.#record = record;
    if (record.status !== "stopped") this.#startHeartbeats();
  }

  /** The worker's id in `pgqrs_workers`. */
  get id(): number {
    return this.#record.id;
  }

  /** pgqrs's name for {@link id}. */
  workerId(): number {
    return this.#record.id;
  }

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
