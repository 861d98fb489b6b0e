/**
 * The `details` of the workflow codes of `PgqrsError` (runs, steps, pauses, retries): part of
 * `PgqrsErrorDetailsMap` (error-details.ts). Each field is what a construction site in pgqrs puts there, optional
 * unless every site sets it. Ids are database ids (integers); times are `Date`s of the store's clock.
 */
import type { NoDetails } from "./error-details-entities.js";
import type { RunWaitingFor } from "./store/run-primitives.js";

/** The workflow codes' `details`, by code (see `PgqrsErrorDetailsMap`). */
export interface WorkflowErrorDetailsMap {
  /** A worker may not take work (a poll or fetch of an interrupted, suspended or stopped worker). */
  SUSPENDED: Readonly<{
    /** Why: the worker's state. */
    reason: "worker interrupted" | "worker suspended" | "worker stopped";
  }>;
  /** A step whose retry is scheduled but not due yet. */
  STEP_NOT_READY: Readonly<{
    /** The step. */
    stepName: string;
    /** The step's run. */
    runId: number;
    /** When the step may run again. */
    retryAt: Date;
    /** How many times the step has been retried so far. */
    retryCount: number;
  }>;
  /** A step that failed for good after its retries. */
  RETRIES_EXHAUSTED: Readonly<{
    /** The step. */
    stepName: string;
    /** The step's run. */
    runId: number;
    /** The step's stored error JSON (`null` when none was recorded). */
    error: unknown;
    /** How many attempts were made. */
    attempts: number;
  }>;
  /**
   * A failure to retry later: a `TransientStepError` (`transientCode`, `transientMessage`, `retryAfterMs`),
   * or a trigger message released until its run's step may retry (`messageId`, `visibleAt`).
   */
  TRANSIENT: Readonly<{
    /** The thrower's code for the failure (`"TIMEOUT"`, `"HTTP_503"`, …). */
    transientCode?: string;
    /** The message as thrown, without the code. */
    transientMessage?: string;
    /** The delay the thrower asked for, in milliseconds; `null` for the step policy's backoff. */
    retryAfterMs?: number | null;
    /** The trigger message released. */
    messageId?: number;
    /** When that message comes back. */
    visibleAt?: Date;
    /** Set by pgqrs when thrown from a step: when the step may run again (`null`: not scheduled). */
    retryAt?: Date | null;
  }>;
  /**
   * A run pauses: a `pauseError` (`message`, `resumeAfterMs`), or a run waiting on a sleep, message, event or child
   * (`runId`, `waitingFor`, `until`).
   */
  PAUSED: Readonly<{
    /** Why the run pauses, as given to `pauseError`. */
    message?: string;
    /** When the run resumes, in milliseconds from now. */
    resumeAfterMs?: number;
    /** The waiting run. */
    runId?: number;
    /** What the run waits for. */
    waitingFor?: RunWaitingFor;
    /** When the run's message comes back on its own. */
    until?: Date;
    /** Set by pgqrs when thrown from a step: when the step may run again (`null`: not scheduled). */
    retryAt?: Date | null;
  }>;
  /** A run that was cancelled. */
  CANCELLED: Readonly<{
    /** The run. */
    runId: number;
  }>;
  /** A run that ended in ERROR, when its result is asked for. */
  EXECUTION_FAILED: Readonly<{
    /** The run. */
    runId: number;
    /** The run's stored error JSON. */
    error: unknown;
  }>;
  /** A child run that did not succeed, when its parent waits on its result. */
  CHILD_FAILED: Readonly<{
    /** The child run. */
    childRunId: number;
    /** The child's final status (`"ERROR"`, `"CANCELLED"`, …). */
    status: unknown;
    /** The child's stored error JSON (`null` when none). */
    error: unknown;
  }>;
  /** A step failure that must not be retried (`NonRetryableError`); carries nothing. */
  NON_RETRYABLE: NoDetails;
}
