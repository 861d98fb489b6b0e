/**
 * The retention sweep: deletes what the retention policies let go (store/retention-store.ts `retentionBatch`), in
 * bounded batches. Used by the store's maintenance (a few batches per round), by `admin(store).purgeArchived` and
 * by `pgqrs retention run`.
 */
import { type Clock, sleep, timersOf } from "../clock.js";
import type { RetentionBatchParams } from "../store/retention-store.js";
import type { StoreBackend } from "../store/store.js";
import { DEFAULT_RETENTION } from "./retention-policy.js";

/** Rows deleted per batch (one statement, one transaction) unless told otherwise. */
export const DEFAULT_RETENTION_BATCH = 1000;

/** Progress of a sweep, reported after every batch. */
export interface RetentionProgress {
  /** Messages deleted so far (archived and dead-lettered, trigger messages of runs included). */
  messages: number;
  /** Workflow runs deleted so far (their steps, run messages and events went with them). */
  runs: number;
  /** Batches run so far. */
  batches: number;
}

/** What a retention sweep deleted (the `RetentionProgress` counts) and how it ended. */
export interface RetentionSweepResult extends RetentionProgress {
  /** Another process was sweeping; this sweep stopped early (it leaves the work to that process). */
  busy: boolean;
  /** Nothing more was due when the sweep ended (false when it stopped at `maxBatches`). */
  caughtUp: boolean;
}

export interface RetentionSweepOptions {
  /** Only this queue (or workflow's queue) by id. Default: every queue. */
  queueId?: number;
  /**
   * A manual purge: everything archived before this time, whatever the policies (dead letters only with
   * `deadLetters`). Default: the policies.
   */
  before?: Date;
  /** With `before`: dead-lettered messages too. Default false. Ignored without `before` (policies decide). */
  deadLetters?: boolean;
  /** Messages per batch, 1 to 100,000. Default {@link DEFAULT_RETENTION_BATCH}. */
  batchSize?: number;
  /** Stop after this many batches. Default: until caught up. */
  maxBatches?: number;
  /**
   * Pace the sweep: after each batch, wait `pauseRatio` times as long as the batch took (on the clock's timers), so
   * the sweep uses at most 1 / (1 + pauseRatio) of one connection's time. Default 0 (batches back to back).
   */
  pauseRatio?: number;
  /** Wait for a concurrent sweep instead of stopping (`busy`). Default false. */
  wait?: boolean;
  /** Stop before the next batch once aborted (the batch in progress commits). Default: none. */
  signal?: AbortSignal;
  onProgress?: (p: RetentionProgress) => void;
}

/** Run batches until nothing is due, `maxBatches` is reached, or another process holds the retention lock. */
export async function sweepRetention(
  backend: StoreBackend,
  clock: Clock,
  options: RetentionSweepOptions = {},
): Promise<RetentionSweepResult> {
  const limit = options.batchSize ?? DEFAULT_RETENTION_BATCH;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const pauseRatio = options.pauseRatio ?? 0;
  const timers = timersOf(clock);
  const kinds: RetentionBatchParams["kind"][] =
    options.before === undefined || options.deadLetters === true ? ["dead", "archived"] : ["archived"];
  const total = { messages: 0, runs: 0, batches: 0 };
  for (const kind of kinds) {
    for (;;) {
      if (total.batches >= maxBatches || options.signal?.aborted === true) {
        return { ...total, busy: false, caughtUp: false };
      }
      const started = timers.nowMs();
      const r = await backend.retentionBatch({
        kind,
        now: clock.now(),
        limit,
        defaults: DEFAULT_RETENTION,
        ...(options.before === undefined ? {} : { before: options.before }),
        ...(options.queueId === undefined ? {} : { queueId: options.queueId }),
        wait: options.wait === true,
      });
      if (r.busy) return { ...total, busy: true, caughtUp: false };
      total.batches += 1;
      total.messages += r.messages;
      total.runs += r.runs;
      options.onProgress?.({ ...total });
      if (r.messages < limit) break;
      if (pauseRatio > 0) await sleep(timers, (timers.nowMs() - started) * pauseRatio);
    }
  }
  return { ...total, busy: false, caughtUp: true };
}
