/**
 * The store-level periodic jobs (schedules firing, retention sweeps): ONE timer per store, running while at least
 * one poll loop of the store runs (dequeue loops, workflow workers, `pgqrs worker run`), however many loops there
 * are. Each loop acquires the store's tasks when it starts and releases them when it ends (`WorkerHandle.attachLoop`).
 *
 * A job is registered in {@link STORE_JOBS}: adding one is one line. Jobs run one after another, at most one round
 * at a time, each no more often than its `everyMs`, on the store clock's timers (virtual in tests). A failing job
 * never stops the others or the loops; its error goes to the store's logger (warn, with the job's name) and to the
 * `onError` of the loop that acquired the tasks first.
 */
import { type Timer, timersOf } from "../clock.js";
import { log } from "../observability/logger.js";
import { fireDueSchedules } from "../schedules/firing.js";
import { RETENTION_SWEEP_MS, retentionRound } from "../retention/retention-maintenance.js";
import type { EngineContext } from "./engine-context.js";

/** A periodic job of a store. */
export interface StoreJob {
  /** For error reports. */
  readonly name: string;
  /** Least time between two runs, in milliseconds of the store clock. */
  readonly everyMs: number;
  /** One round; must be cheap when there is nothing to do (one indexed statement). */
  run(ctx: EngineContext, onError: (err: unknown) => void): Promise<unknown>;
}

/**
 * Period of the schedule firing check, in milliseconds (about 5 s): a tick fires at most about this late. Not a round
 * number, so in virtual time this timer never coincides with the round-number timers of poll loops and stops.
 */
export const SCHEDULE_CHECK_MS = 5_003;

/** The jobs every store runs while a poll loop runs. */
export const STORE_JOBS: StoreJob[] = [
  {
    name: "schedules",
    everyMs: SCHEDULE_CHECK_MS,
    run: async (ctx, onError) => {
      const handled = await fireDueSchedules(ctx, onError);
      if (handled > 0) log(ctx.logger, "debug", { job: "schedules", ticks: handled }, "pgqrs: schedules fired");
    },
  },
  {
    name: "retention",
    everyMs: RETENTION_SWEEP_MS,
    run: async (ctx) => {
      const r = await retentionRound(ctx);
      const fields = { job: "retention", messages: r.messages, runs: r.runs, batches: r.batches, busy: r.busy };
      if (r.messages > 0 || r.runs > 0) log(ctx.logger, "info", fields, "pgqrs: retention round deleted rows");
      else log(ctx.logger, "debug", fields, "pgqrs: retention round had nothing to delete");
    },
  },
];

/** The running tasks of one store. */
export class StoreTasks {
  readonly #ctx: EngineContext;
  readonly #jobs: readonly StoreJob[];
  readonly #lastRun = new Map<StoreJob, number>();
  readonly #holders = new Map<symbol, (err: unknown) => void>();
  #timer: Timer | undefined;
  #round: Promise<void> | undefined;

  constructor(ctx: EngineContext, jobs: readonly StoreJob[] = STORE_JOBS) {
    this.#ctx = ctx;
    this.#jobs = jobs;
  }

  /** Start the timer (if not running) for a poll loop; returns the function that releases it. */
  acquire(onError?: (err: unknown) => void): () => void {
    const key = Symbol("loop");
    this.#holders.set(key, onError ?? (() => undefined));
    if (this.#timer === undefined && this.#jobs.length > 0) {
      const timers = timersOf(this.#ctx.clock);
      const start = timers.nowMs();
      for (const job of this.#jobs) this.#lastRun.set(job, start);
      const period = Math.min(...this.#jobs.map((j) => j.everyMs));
      this.#timer = timers.setInterval(() => this.#tick(), period, { unref: true });
    }
    return () => {
      this.#holders.delete(key);
      if (this.#holders.size === 0) this.#stopTimer();
    };
  }

  /** True while a poll loop holds the tasks. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Run every job once now (after a round in flight); for tests and `pgqrs worker run --once`-style callers. */
  async runNow(): Promise<void> {
    await this.#round;
    await this.#runJobs(this.#jobs);
  }

  /** Resolves once the round in flight (if any) has finished; for tests that advance virtual time. */
  async settled(): Promise<void> {
    await this.#round;
  }

  /** Stop the timer and wait for a round in flight (the store is closing). */
  async stop(): Promise<void> {
    this.#holders.clear();
    this.#stopTimer();
    await this.#round;
  }

  #tick(): void {
    if (this.#round !== undefined) return;
    const now = timersOf(this.#ctx.clock).nowMs();
    const due = this.#jobs.filter((j) => now - (this.#lastRun.get(j) ?? 0) >= j.everyMs);
    if (due.length === 0) return;
    for (const job of due) this.#lastRun.set(job, now);
    this.#round = this.#runJobs(due).finally(() => {
      this.#round = undefined;
    });
  }

  async #runJobs(jobs: readonly StoreJob[]): Promise<void> {
    for (const job of jobs) {
      const report = (err: unknown) => {
        log(this.#ctx.logger, "warn", { job: job.name, err }, `pgqrs: store maintenance job '${job.name}' failed`);
        this.#holders.values().next().value?.(err);
      };
      try {
        this.#ctx.assertOpen();
      } catch {
        this.#stopTimer(); // the store closed under its loops: nothing more to do
        return;
      }
      try {
        await job.run(this.#ctx, report);
      } catch (err) {
        report(err);
      }
    }
  }

  #stopTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

const tasksByStore = new WeakMap<EngineContext, StoreTasks>();

/** The one {@link StoreTasks} of the store whose engine context this is. */
export function storeTasksOf(ctx: EngineContext): StoreTasks {
  let tasks = tasksByStore.get(ctx);
  if (tasks === undefined) {
    tasks = new StoreTasks(ctx);
    tasksByStore.set(ctx, tasks);
  }
  return tasks;
}
