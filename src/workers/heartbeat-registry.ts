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
    try {
      alive = await this.#backend.heartbeatMany({ ids, now: this.#clock.now() });
    } catch (err) {
      // A failed beat (database restarting, pool busy) is retried next period; the zombie threshold is a multiple
      // of the period, so one miss does not make a worker look dead.
      log(this.#logger, "warn", { workerIds: ids, err }, "pgqrs: heartbeat failed; retrying next period");
      return;
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
