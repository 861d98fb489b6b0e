/**
 * The Store contract of the operator's actions on workflow runs (issue 16): retry a failed or cancelled run,
 * resume a waiting one now, fork one from a step. Each decides and writes in ONE transaction, with the run's row
 * locked first, so a refusal writes nothing and a concurrent worker sees the action whole or not at all.
 *
 * `pgqrs_workflow_runs.forked_from_run_id` records the run a fork was made from.
 */
import type { RunRecord } from "../types.js";

/** What a retry or resume did: the run acted on, or why nothing was written. */
export type RunActionResult =
  /** Written; `queueId` is the run's queue (its consumers were notified in the database, where it can). */
  | { outcome: "done"; run: RunRecord; queueId: number }
  /** No run of that id; nothing written. */
  | { outcome: "not-found" }
  /** The run is in a state the action cannot act on (`run` as found); nothing written. */
  | { outcome: "refused"; run: RunRecord };

/** What a fork did. */
export type ForkRunResult =
  /** The new run (QUEUED, `forkedFromRunId` set) and its trigger message's queue; `copied` steps were copied. */
  | { outcome: "done"; run: RunRecord; queueId: number; copied: number }
  /** No run of that id; nothing written. */
  | { outcome: "not-found" }
  /** `fromStep` names no step of the original run; nothing written. */
  | { outcome: "no-step"; run: RunRecord };

export interface RetryRunParams {
  runId: number;
  now: Date;
}

export interface ResumeRunParams {
  runId: number;
  now: Date;
}

export interface ForkRunParams {
  runId: number;
  /** The name of the first step of the original run the fork executes again. */
  fromStep: string;
  now: Date;
}

/** Operator actions on runs; every backend implements all of them. */
export interface RunOperationOps {
  /**
   * An ERROR or CANCELLED run goes back to work, in one transaction: its trigger message is un-archived (also
   * un-dead-lettered) and visible at `now` with read count 0, no consumer and `enqueued_at = now`; the run is QUEUED
   * with `output`, `error`, `completed_at` and `waiting_for` cleared; its ERROR steps (of any kind) get a fresh
   * retry budget and are due now (`retry_count = 0`, `retry_at = now`: the next acquisition takes them); SUCCESS
   * steps keep their outputs and unfinished operations (a RUNNING sleep or recv) are left as they are. The queue's
   * consumers are notified as by `enqueue` (where the backend can). `refused` for any other status.
   */
  retryRun(p: RetryRunParams): Promise<RunActionResult>;
  /**
   * A waiting run wakes now, in one transaction: a PAUSED run, or a RUNNING one whose message no consumer holds and
   * that has an ERROR step with a retry scheduled after `now` (a retry wait). Its RUNNING `sleep` operations
   * complete now (output `{"until": now, "resumed": true}`), its ERROR steps with `retry_at > now` (a retry wait or
   * a pause) become due at `now`, the `until` of its `waiting_for` (sleep, retry, pause) becomes `now`, and its
   * message is made visible at `now` unless a consumer holds it (as `wakeRun`, consumers notified). A recv, event or
   * child wait is only woken: the replay checks it again. `refused` for any other run (nothing written).
   */
  resumeRun(p: ResumeRunParams): Promise<RunActionResult>;
  /**
   * A new run of the original's workflow with the original's trigger payload, in one transaction: a new trigger
   * message (visible at `now`, consumers notified) and its run QUEUED with `forked_from_run_id = runId` (no parent,
   * no idempotency key), and a copy of every SUCCESS step of the original created before step `fromStep` (by the
   * original's creation order: `created_at`, then `id`), with its kind, input and output, times `now`. The original
   * is not changed and may be in any status. `no-step` when the original has no step `fromStep`.
   */
  forkRun(p: ForkRunParams): Promise<ForkRunResult>;
}
