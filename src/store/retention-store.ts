/**
 * The retention part of the Store contract (issue 18): per-queue retention periods and the bounded deletes that
 * keep archived messages, dead letters and finished workflow runs from growing forever.
 *
 * A queue without a policy row uses the engine's defaults (passed in by the caller, see `retention/policy.ts`); a
 * policy row stores each period in milliseconds, `null` meaning "keep forever". A workflow's policy is its queue's
 * (a workflow's queue has the workflow's name).
 */

/** A queue's stored retention periods, in milliseconds; `null` keeps that kind of row forever. */
export interface RetentionRow {
  queueId: number;
  /** Archived (not dead-lettered) messages of a plain queue. */
  archivedMs: number | null;
  /** Dead-lettered messages (with their runs). */
  deadLettersMs: number | null;
  /** Finished runs (SUCCESS, ERROR, CANCELLED) of a workflow's queue, with their archived trigger messages. */
  finishedRunsMs: number | null;
  updatedAt: Date;
}

/** The periods used for a queue without a policy row, in milliseconds (`null`: keep forever). */
export interface RetentionDefaults {
  archivedMs: number | null;
  deadLettersMs: number | null;
  finishedRunsMs: number | null;
}

/**
 * One bounded delete. `kind` `"archived"`: archived messages that are not dead letters; on a workflow's queue they
 * are the trigger messages of finished runs and follow `finishedRunsMs` (with their runs). `"dead"`: dead-lettered
 * messages (archived by the dead-letter sweep), following `deadLettersMs`, with their runs.
 *
 * A message is never deleted while it is unarchived, nor while a run of it is unfinished (QUEUED, RUNNING, PAUSED,
 * CANCELLING), has an unfinished child or fork, or has an unfinished parent (which may still read its result). A
 * deleted run takes its steps, run messages and events along.
 */
export interface RetentionBatchParams {
  kind: "archived" | "dead";
  now: Date;
  /** At most this many messages are deleted (with their runs). */
  limit: number;
  /** Per-queue policies with these defaults; ignored when `before` is given. */
  defaults: RetentionDefaults;
  /** A manual purge: every message (of `queueId`, or of every queue) archived before this time, whatever the policy. */
  before?: Date;
  queueId?: number;
  /**
   * PostgreSQL: `true` waits for a concurrent batch to finish (manual purge); `false` (the maintenance sweep) gives
   * up at once and reports `busy`. SQLite serialises writers anyway.
   */
  wait: boolean;
}

export interface RetentionBatchResult {
  /** Messages deleted. */
  messages: number;
  /** Workflow runs deleted with them. */
  runs: number;
  /** Another process was running a batch: nothing was done (only with `wait: false`). */
  busy: boolean;
}

/** Retention operations every backend implements. */
export interface RetentionStoreOps {
  /**
   * Insert or replace the queue's policy; returns it. Periods are validated by the engine. FOREIGN key errors
   * cannot happen for a queue that exists; a missing queue is QUEUE_NOT_FOUND-checked by the engine first.
   */
  setRetention(p: {
    queueId: number;
    archivedMs: number | null;
    deadLettersMs: number | null;
    finishedRunsMs: number | null;
    now: Date;
  }): Promise<RetentionRow>;
  /** The queue's policy row, `null` when it has none (the defaults apply). */
  getRetention(p: { queueId: number }): Promise<RetentionRow | null>;
  /** Remove the queue's policy row (back to the defaults); true when there was one. */
  clearRetention(p: { queueId: number }): Promise<boolean>;
  /**
   * One bounded delete in one transaction (see {@link RetentionBatchParams}). PostgreSQL: the transaction first takes
   * the transaction-level advisory lock of the schema's retention (`pg_try_advisory_xact_lock`, key
   * `hashtextextended('pgqrs_retention', <schema oid>)`), so one process deletes at a time, and victims are taken
   * `FOR UPDATE SKIP LOCKED`. Only archived rows are touched: a claim (which reads unarchived rows) never waits on it.
   */
  retentionBatch(p: RetentionBatchParams): Promise<RetentionBatchResult>;
}
