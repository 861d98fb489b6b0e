import { type Clock, type Timer, timersOf } from "../clock.js";
import { type Logger, log, silentLogger } from "../observability/logger.js";
import type { StoreBackend } from "../store/store.js";

/** Called when a registered worker's row turns out to be gone (deleted by an admin). */
export type LostWorkerListener = (workerId: number) => void;

/**
 * Background heartbeats for every live worker of one store: one timer and one statement per
 * period for all of them, so a worker busy in a long handler is never taken for dead. The timer runs on the store
 * clock's timers and is unref'd: it never keeps a process alive by itself.
 */
export class HeartbeatRegistry {
  readonly #backend: StoreBackend;
  readonly #clock: Clock;
  readonly #periodMs: number;
  readonly #logger: Logger;
  readonly #workers = new Map<number, LostWorkerListener>();
  #timer: Timer | undefined;
  #beating: Promise<void> | undefined;
  /** `timers.nowMs()` when a beat last failed; undefined while none has. */
  #lastFailureMs: number | undefined;
  /** `timers.nowMs()` when the beat in flight started; undefined while none is. */
  #inFlightSinceMs: number | undefined;

  constructor(backend: StoreBackend, clock: Clock, periodMs: number, logger: Logger = silentLogger) {
    this.#backend = backend;
    this.#clock = clock;
    this.#periodMs = periodMs;
    this.#logger = logger;
  }

  add(workerId: number, onLost: LostWorkerListener): void {
    this.#workers.set(workerId, onLost);
    if (this.#timer === undefined && this.#periodMs > 0) {
      this.#timer = timersOf(this.#clock).setInterval(
        () => {
          this.#beating ??= this.beatNow().finally(() => {
            this.#beating = undefined;
          });
        },
        this.#periodMs,
        { unref: true },
      );
    }
  }

  remove(workerId: number): void {
    this.#workers.delete(workerId);
    if (this.#workers.size === 0) this.#stopTimer();
  }

  has(workerId: number): boolean {
    return this.#workers.has(workerId);
  }

  /** Heartbeat every registered worker now. Failures are retried at the next period, never thrown. */
  async beatNow(): Promise<void> {
    const ids = [...this.#workers.keys()];
    if (ids.length === 0) return;
    let alive: number[];
    const timers = timersOf(this.#clock);
    this.#inFlightSinceMs ??= timers.nowMs();
    try {
      alive = await this.#backend.heartbeatMany({ ids, now: this.#clock.now() });
    } catch (err) {
      // A failed beat (database restarting, pool busy) is retried next period; the zombie threshold is a multiple
      // of the period, so one miss does not make a worker look dead.
      this.#lastFailureMs = timers.nowMs();
      log(this.#logger, "warn", { workerIds: ids, err }, "pgqrs: heartbeat failed; retrying next period");
      return;
    } finally {
      this.#inFlightSinceMs = undefined;
    }
    const aliveSet = new Set(alive);
    for (const id of ids) {
      if (aliveSet.has(id)) continue;
      const onLost = this.#workers.get(id);
      this.#workers.delete(id);
      log(this.#logger, "warn", { workerId: id }, "pgqrs: worker row is gone (deleted by an admin?); it stops");
      onLost?.(id);
    }
  }

  /**
   * True when this store could not heartbeat at some moment of the last `windowMs` milliseconds: a beat failed
   * within it, or the beat in flight has been waiting longer than it. Other workers' heartbeats missing over the
   * same window may then be the same outage (a failover, a restart, a network cut), not dead workers, so zombie
   * reclaim waits until this store has reached the database for a whole window.
   */
  troubledWithin(windowMs: number): boolean {
    const now = timersOf(this.#clock).nowMs();
    if (this.#lastFailureMs !== undefined && now - this.#lastFailureMs < windowMs) return true;
    return this.#inFlightSinceMs !== undefined && now - this.#inFlightSinceMs >= windowMs;
  }

  /** Stop the timer and wait for a beat in flight. */
  async stop(): Promise<void> {
    this.#stopTimer();
    this.#workers.clear();
    await this.#beating;
  }

  #stopTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
