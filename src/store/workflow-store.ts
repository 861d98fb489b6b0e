/**
 * The Store contract's workflow part: definitions, runs and steps, with pgqrs's semantics. Part
 * of `StoreBackend` (store.ts); the primitives, run operations and run queries have files of their own.
 */
import type { Page, QueueMessage, RunRecord, StepRecord, WorkflowRecord, WorkflowStatus } from "../types.js";
import type { DequeueParams, EnqueueParams } from "./store.js";

/** Finish a run and archive its trigger message atomically. */
export interface CompleteRunAndArchiveParams extends TransitionRunParams {
  /** The run's trigger message, archived when the transition applies and this worker still holds it. */
  messageId: number;
  workerId: number;
}

export interface CreateRunParams {
  message: QueueMessage;
  now: Date;
}

export interface TransitionRunParams {
  id: number;
  /** Allowed current statuses. */
  from: readonly WorkflowStatus[];
  to: WorkflowStatus;
  now: Date;
  /** Written when given (`undefined` leaves the column alone). JSON text. */
  output?: string | null;
  error?: string | null;
  /**
   * JSON text of a `RunWaitingFor`, written with a transition to PAUSED. Any transition to a status other than
   * PAUSED clears `waiting_for`.
   */
  waitingFor?: string | null;
}

export interface AcquireStepParams {
  runId: number;
  stepName: string;
  now: Date;
  /** The delivery acquiring the step (consumer id and read count of the run's message). */
  owner: string;
}

export interface FinishStepParams {
  runId: number;
  stepName: string;
  now: Date;
  /**
   * The delivery that acquired the step. When given, the write applies only while the step is RUNNING under this
   * owner; a late writer whose attempt was taken over gets CONFLICT and changes nothing.
   */
  owner?: string;
}

export interface CompleteStepParams extends FinishStepParams {
  /** JSON text. */
  output: string;
}

/**
 * One run's step boundary in a group (`stepBoundaries`): `acquire` is `completeStepThenAcquire` (or
 * `acquireStepOfRun` without `complete`), `finish` is `completeStepThenRunAndArchive` (or `completeRunAndArchive`).
 */
export type StepBoundary =
  | { kind: "acquire"; complete?: CompleteStepParams & { owner: string }; acquire: AcquireStepParams }
  | { kind: "finish"; complete?: CompleteStepParams & { owner: string }; run: CompleteRunAndArchiveParams };

/** What a boundary's single call would return (`completed` is true for a boundary with nothing to complete). */
export type StepBoundaryResult =
  | {
      kind: "acquire";
      completed: boolean;
      runStatus: WorkflowStatus | null;
      step: StepRecord | null;
      acquired: boolean;
    }
  | { kind: "finish"; completed: boolean; run: RunRecord | null; archived: boolean };

export interface FailStepParams extends FinishStepParams {
  /** JSON text. */
  error: string;
  /** When the step may run again; `null` = permanently failed. */
  retryAt: Date | null;
  retryCount: number;
  /**
   * The number of the execution that failed (1 = the first): when given, `{ attempt, at: now, error }` is appended
   * to the step's attempt errors by the same statement. Omitted for a pause, which is not a failure.
   */
  attempt?: number;
}

export interface ListRunsParams extends Page {
  workflowId?: number;
  status?: WorkflowStatus;
}

/** Workflow definitions, runs and steps. */
export interface WorkflowStoreOps {
  // --- workflows --------------------------------------------------------------------------------------------
  /** Idempotent: creates the queue of that name if missing and the definition if missing; returns it. */
  createWorkflow(p: { name: string; now: Date }): Promise<WorkflowRecord>;
  getWorkflowByName(name: string): Promise<WorkflowRecord | null>;
  getWorkflowById(id: number): Promise<WorkflowRecord | null>;
  listWorkflows(): Promise<WorkflowRecord[]>;
  /**
   * Get the run of this message, or create it QUEUED with `input = payload`. WORKFLOW_NOT_FOUND when the message's
   * queue has no workflow definition. Safe under concurrency (unique `message_id`).
   */
  getOrCreateRun(p: CreateRunParams): Promise<RunRecord>;
  /**
   * `getOrCreateRun`, then QUEUED|PAUSED → RUNNING (`started_at` kept when set), in one round trip; a run in any
   * other status is returned unchanged, but a RUNNING one (a new delivery after a crash, a lost lease or a release)
   * is restarted too. Each start records the message's consumer as `worker_id` and adds 1 to `attempts`. The same
   * errors as `getOrCreateRun`. The row may be a snapshot older than a
   * concurrent transition (then still QUEUED or PAUSED): callers fall back to `transitionRun`.
   */
  startRun(p: CreateRunParams): Promise<RunRecord>;
  /**
   * Optional: `dequeue(p)` and `startRun` for every claimed message of a workflow queue, in one round trip (the
   * claim of a workflow worker). `run` is what `startRun` would return, or `null` when the statement could not
   * tell (no workflow for the queue, a creation racing ours): the caller then calls `startRun` itself.
   */
  dequeueAndStartRuns?(p: DequeueParams): Promise<{ message: QueueMessage; run: RunRecord | null }[]>;
  /**
   * Optional: give back the starts of runs that a claim (`dequeueAndStartRuns`) or a hand-off (`enqueueAndStartRun`)
   * made for `workerId` but no handler ran, before their messages are released unrun. Each run still RUNNING for
   * `workerId` with exactly `attempts` (what its start returned) counts one attempt less; one that had never been
   * started before is QUEUED again, without `started_at` or `worker_id`. A run started again or finished since is
   * left alone. Backends whose claims start no runs leave it out.
   */
  unstartRuns?(p: { runs: readonly { id: number; attempts: number }[]; workerId: number; now: Date }): Promise<void>;
  /**
   * Optional: `enqueue` of ONE payload leased as `p.leaseTo` says, and its workflow run created RUNNING
   * (`started_at = leaseTo.now`), in one round trip: a trigger handed straight to an idle workflow worker of this
   * store. `run` is `null` when the queue has no workflow; the caller then calls `startRun` itself.
   */
  enqueueAndStartRun?(
    p: EnqueueParams & { leaseTo: NonNullable<EnqueueParams["leaseTo"]> },
  ): Promise<{ message: QueueMessage; run: RunRecord | null }>;
  getRun(id: number): Promise<RunRecord | null>;
  getRunByMessageId(messageId: number): Promise<RunRecord | null>;
  /** Newest first. */
  listRuns(p: ListRunsParams): Promise<RunRecord[]>;
  countRuns(p: Omit<ListRunsParams, keyof Page>): Promise<number>;
  /**
   * Guarded update of a run's status (`updated_at = now`; `started_at` on first RUNNING; `paused_at` on PAUSED;
   * `completed_at` on SUCCESS/ERROR/CANCELLED). `null` when missing or not in `from`.
   */
  transitionRun(p: TransitionRunParams): Promise<RunRecord | null>;
  /**
   * `transitionRun` and, when it applies, `archive([messageId])` for `workerId`, in one transaction. `run` is
   * `null` (and nothing is archived) when the run is missing or not in `from`.
   */
  completeRunAndArchive(p: CompleteRunAndArchiveParams): Promise<{ run: RunRecord | null; archived: boolean }>;
  /**
   * Atomic upsert of step `(runId, stepName)`:
   * absent → insert RUNNING (`retry_count 0`, `started_at now`); SUCCESS → unchanged; ERROR with
   * `retry_at <= now` → RUNNING with `retry_at`/`error` cleared (`retry_count` kept); other ERROR → unchanged;
   * RUNNING held by another `owner` (a crashed or expired delivery) → RUNNING with `started_at = now`; RUNNING held
   * by the same owner → unchanged (the retry race). The row records `attempt_owner = owner` when acquired. Returns
   * the row after the statement and whether this call moved it to RUNNING (`acquired`).
   */
  acquireStep(p: AcquireStepParams): Promise<{ step: StepRecord; acquired: boolean }>;
  /**
   * `acquireStep` guarded by the run's status, in one round trip: `runStatus` is the run's status (`null` when the
   * run does not exist), and nothing is acquired when it is CANCELLING or CANCELLED (then `step` is the existing row
   * or `null`). Otherwise as `acquireStep`.
   */
  acquireStepOfRun(
    p: AcquireStepParams,
  ): Promise<{ runStatus: WorkflowStatus | null; step: StepRecord | null; acquired: boolean }>;
  /**
   * Optional one-round-trip form of `completeStep(complete)` followed by `acquireStepOfRun(acquire)`, in one
   * transaction (the engine makes the two calls itself when a backend lacks it). The completion is fenced by its
   * owner; when it does not apply (`completed: false`) nothing is acquired and the other fields describe nothing.
   */
  completeStepThenAcquire?(p: {
    complete: CompleteStepParams & { owner: string };
    acquire: AcquireStepParams;
  }): Promise<{ completed: boolean; runStatus: WorkflowStatus | null; step: StepRecord | null; acquired: boolean }>;
  /**
   * Optional one-round-trip form of `completeStep(complete)` followed by `completeRunAndArchive(run)`, in one
   * transaction; the run is finished only when the fenced step completion applied (`completed`).
   */
  completeStepThenRunAndArchive?(p: {
    complete: CompleteStepParams & { owner: string };
    run: CompleteRunAndArchiveParams;
  }): Promise<{ completed: boolean; run: RunRecord | null; archived: boolean }>;
  /**
   * Optional group commit of concurrent runs: each boundary exactly as its single call, all in one transaction (one
   * durable commit; asynchronous when none completes a step or finishes a run), results in order. At most one
   * boundary per run, and no finish of a run with a parent.
   */
  stepBoundaries?(boundaries: readonly StepBoundary[]): Promise<StepBoundaryResult[]>;
  /** SUCCESS with output, `completed_at = now`. */
  completeStep(p: CompleteStepParams): Promise<StepRecord>;
  /** ERROR with error, retry_at, retry_count, `completed_at = now`. */
  failStep(p: FailStepParams): Promise<StepRecord>;
  getStep(p: { runId: number; stepName: string }): Promise<StepRecord | null>;
  /** In creation order. */
  listSteps(p: { runId: number }): Promise<StepRecord[]>;
}
