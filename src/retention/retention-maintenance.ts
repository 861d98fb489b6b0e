/**
 * The retention job of the store-level maintenance (workers/store-tasks.ts): while any poll loop of the store runs,
 * every {@link RETENTION_SWEEP_MS} of the store clock it runs a few bounded batches of the retention sweep. Several
 * processes take turns: a process that finds another one's batch in progress (PostgreSQL advisory lock) skips its
 * round. Idle cost: one short transaction per kind per round (four statements on PostgreSQL) once a minute.
 */
import type { EngineContext } from "../workers/engine-context.js";
import { DEFAULT_RETENTION_BATCH, type RetentionSweepResult, sweepRetention } from "./retention-sweep.js";

/** Least time between two retention rounds of one store, in milliseconds of the store clock (1 minute). */
export const RETENTION_SWEEP_MS = 60_000;

/**
 * Batches per round (of {@link DEFAULT_RETENTION_BATCH} messages each): at most 8,000 messages a minute per store
 * when the policies have a backlog; `admin(store).runRetention()` or `pgqrs retention run` catch up at once.
 */
export const RETENTION_BATCHES_PER_ROUND = 8;

/** One maintenance round. */
export function retentionRound(ctx: EngineContext): Promise<RetentionSweepResult> {
  return sweepRetention(ctx.backend, ctx.clock, {
    batchSize: DEFAULT_RETENTION_BATCH,
    maxBatches: RETENTION_BATCHES_PER_ROUND,
  });
}
