/**
 * Retention administration (issue 18): `admin(store).setRetention`, `getRetention`, `resetRetention`,
 * `purgeArchived` and `runRetention`. Admin delegates here.
 */
import { assertName, queueNotFound } from "../validation/names.js";
import { ValidationError } from "../errors.js";
import {
  parseDuration,
  type RetentionDuration,
  type RetentionOptions,
  type RetentionPolicy,
  resolveRetention,
  toPolicy,
} from "../retention/retention-policy.js";
import { type RetentionProgress, type RetentionSweepResult, sweepRetention } from "../retention/retention-sweep.js";
import type { QueueRecord } from "../types.js";
import { assertDate } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";

/** Options of {@link purgeArchived}. */
export interface PurgeArchivedOptions {
  /** Only this queue (or workflow). Default: every queue. */
  queue?: string;
  /** Delete what was archived before this time, or longer ago than this duration (`"7d"`, milliseconds). Required. */
  olderThan: Date | RetentionDuration;
  /** Dead-lettered messages too. Default false: dead letters are kept for inspection and replay. */
  deadLetters?: boolean;
  /** Messages per batch (one transaction each), 1 to 100,000. Default 1,000. */
  batchSize?: number;
  /** Called after every batch with the running totals. */
  onProgress?: (p: RetentionProgress) => void;
}

/** Options of {@link runRetention}. */
export interface RunRetentionOptions {
  /** Only this queue (or workflow). Default: every queue. */
  queue?: string;
  /** Messages per batch (one transaction each), 1 to 100,000. Default 1,000. */
  batchSize?: number;
  /**
   * Pace the run: after each batch wait this many times as long as the batch took (0 to 100), leaving the database
   * to the workers. Default 0: batches back to back.
   */
  pauseRatio?: number;
  /** Stop before the next batch once aborted (the batch in progress commits; `caughtUp` is then false). */
  signal?: AbortSignal;
  /** Called after every batch with the running totals. */
  onProgress?: (p: RetentionProgress) => void;
}

/** What a purge or a retention run deleted. */
export interface RetentionCounts extends RetentionProgress {}

async function queueOf(ctx: EngineContext, name: unknown): Promise<QueueRecord> {
  assertName("queue", name);
  ctx.assertOpen();
  const q = await ctx.backend.getQueueByName(name);
  if (q === null) throw queueNotFound(name);
  return q;
}

function assertBatchSize(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 100_000) {
    throw new ValidationError(`batchSize must be an integer from 1 to 100000, got ${String(value)}`, {
      argument: "batchSize",
    });
  }
  return value;
}

/** Set the retention of a queue or workflow (by name); fields left out keep their value, `false` keeps all. */
export async function setRetention(
  ctx: EngineContext,
  name: string,
  options: RetentionOptions | false,
): Promise<RetentionPolicy> {
  const q = await queueOf(ctx, name);
  const current = await ctx.backend.getRetention({ queueId: q.id });
  const periods = resolveRetention(options, current);
  const row = await ctx.backend.setRetention({ queueId: q.id, ...periods, now: ctx.clock.now() });
  return toPolicy(q.queueName, row);
}

/** The retention in force for a queue or workflow (the defaults when none was set). */
export async function getRetention(ctx: EngineContext, name: string): Promise<RetentionPolicy> {
  const q = await queueOf(ctx, name);
  return toPolicy(q.queueName, await ctx.backend.getRetention({ queueId: q.id }));
}

/** Back to the documented defaults; returns them. */
export async function resetRetention(ctx: EngineContext, name: string): Promise<RetentionPolicy> {
  const q = await queueOf(ctx, name);
  await ctx.backend.clearRetention({ queueId: q.id });
  return toPolicy(q.queueName, null);
}

function cutoffOf(ctx: EngineContext, olderThan: unknown): Date {
  if (olderThan instanceof Date) return assertDate("olderThan", olderThan);
  if (olderThan === undefined) {
    throw new ValidationError('olderThan is required (a Date, or a duration like "7d")', { argument: "olderThan" });
  }
  const ms = parseDuration("olderThan", olderThan);
  return new Date(Math.max(0, ctx.clock.now().getTime() - ms));
}

/**
 * Delete archived messages (and their finished runs) archived before `olderThan`, whatever the policies, in
 * bounded batches. Waits for a sweep running in another process rather than racing it.
 */
export async function purgeArchived(ctx: EngineContext, options: PurgeArchivedOptions): Promise<RetentionCounts> {
  if (options === null || typeof options !== "object") {
    throw new ValidationError("purgeArchived needs { olderThan, queue? }", { argument: "options" });
  }
  const before = cutoffOf(ctx, options.olderThan);
  const batchSize = assertBatchSize(options.batchSize);
  const q = options.queue === undefined ? undefined : await queueOf(ctx, options.queue);
  ctx.assertOpen();
  const r = await sweepRetention(ctx.backend, ctx.clock, {
    before,
    deadLetters: options.deadLetters === true,
    wait: true,
    ...(q === undefined ? {} : { queueId: q.id }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return { messages: r.messages, runs: r.runs, batches: r.batches };
}

/** Apply the retention policies now, until nothing more is due (what the maintenance does a few batches at a time). */
export async function runRetention(
  ctx: EngineContext,
  options: RunRetentionOptions = {},
): Promise<RetentionSweepResult> {
  const batchSize = assertBatchSize(options.batchSize);
  const pauseRatio = options.pauseRatio;
  if (pauseRatio !== undefined && !(typeof pauseRatio === "number" && pauseRatio >= 0 && pauseRatio <= 100)) {
    throw new ValidationError(`pauseRatio must be a number from 0 to 100, got ${String(pauseRatio)}`, {
      argument: "pauseRatio",
    });
  }
  const q = options.queue === undefined ? undefined : await queueOf(ctx, options.queue);
  ctx.assertOpen();
  return sweepRetention(ctx.backend, ctx.clock, {
    wait: true,
    ...(pauseRatio === undefined ? {} : { pauseRatio }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(q === undefined ? {} : { queueId: q.id }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}
