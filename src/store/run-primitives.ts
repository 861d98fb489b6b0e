/**
 * The Store contract of the durable workflow primitives (issue 15): waits that pause a run (sleep, recv, child
 * results), messages to a run, events of a run, child runs and idempotent triggers. Each maps to a few rows:
 *
 * - `pgqrs_workflow_steps.kind`: what operation a step row records (`step`, `sleep`, `recv`, `send`, `child`,
 *   `child-result`); a name reused for another kind is VALIDATION_FAILED (checked by the engine).
 * - `pgqrs_workflow_runs.parent_run_id`, `.idempotency_key`, `.waiting_for` (JSON of {@link RunWaitingFor}).
 * - `pgqrs_workflow_messages`: messages sent to a run, consumed once by a `recv` step.
 * - `pgqrs_workflow_events`: a run's events, one row per key, last write wins.
 *
 * Lost wake-ups are ruled out by one rule on PostgreSQL: `suspendRun` locks the run's row and its trigger
 * message's row first, and only then (in a later statement) checks whether it should wake at once; every waker
 * updates the trigger message's row by id (never filtering on its lease, which it only reads in the SET), so
 * either the waker waits for the suspension to commit and then finds the message released, or the suspension
 * waits for the waker and then sees what it wrote. SQLite transactions are serialised.
 */
import type { QueueMessage, RunRecord, StepRecord, WorkflowStatus } from "../types.js";

/** What a PAUSED run waits for (`RunRecord.waitingFor`). Times are those of the store's clock. */
export interface RunWaitingFor {
  /**
   * What the run waits for: a `sleep`, a `message` (`recv`), an `event`, a `child` run, a step `retry`, or the end
   * of a `run.pause` (`pause`).
   */
  kind: "sleep" | "message" | "event" | "child" | "retry" | "pause";
  /** When the run's message comes back on its own (the wake-up time, or the timeout). */
  until?: Date;
  /** For `message`: the topic the run's `recv` waits on. */
  topic?: string;
  /** For `child`: the child run waited on. */
  childRunId?: number;
  /** The operation's name in the run (the `sleep`/`recv`/child step name). */
  name?: string;
}

/** A message sent to a run (`pgqrs_workflow_messages`). */
export interface RunMessageRecord {
  /** Message id (database-assigned, increasing). */
  id: number;
  /** The receiving run's id (`RunRecord.id`). */
  runId: number;
  /** The topic a `recv` of the run must wait on to receive it. */
  topic: string;
  /** The JSON payload as sent, parsed. */
  payload: unknown;
  /** The sender's idempotency key (a second send with it to the same run writes nothing); `null` when none. */
  idempotencyKey: string | null;
  /** The run that sent it with `run.send`, or `null` when sent from outside. */
  senderRunId: number | null;
  /** When the message was sent (the store's clock). */
  createdAt: Date;
  /** When a `recv` consumed it; `null` while it waits for one. */
  consumedAt: Date | null;
  /** The name of the `recv` step that consumed it. */
  consumedByStep: string | null;
}

/** An event of a run (`pgqrs_workflow_events`). */
export interface RunEventRecord {
  /** The run's id (`RunRecord.id`). */
  runId: number;
  /** The event's key, unique within the run. */
  key: string;
  /** The value last set for the key (JSON, parsed). */
  value: unknown;
  /** When the key was first set (the store's clock). */
  createdAt: Date;
  /** When the key was last set (the store's clock). */
  updatedAt: Date;
}

/** When a suspended run should come back at once instead of at `until`. Any one true wakes it. */
export type WakeCondition =
  | { kind: "message"; topic: string }
  | { kind: "child"; childRunId: number }
  | { kind: "event"; runId: number; key: string };

export interface BeginRunOpParams {
  /** The run's id. */
  runId: number;
  /** The operation's name (a step name). */
  name: string;
  /** The kind recorded on a new row; an existing row keeps its own (the engine compares). */
  kind: string;
  /** JSON text stored as the step's `input` on first sight only (a wake-up time, a topic, a deadline). */
  input: string | null;
  /**
   * JSON text: the new row is written done (SUCCESS with this output, `completed_at = now`), for an operation that
   * records itself once it has acted. Default: none, the new row is RUNNING.
   */
  output?: string;
  /** The store clock's current time. */
  now: Date;
}

export interface SuspendRunParams {
  /** The run's id. */
  runId: number;
  /** The run's trigger message and the consumer holding it (released by this call). */
  messageId: number;
  /** The worker id of the consumer holding the trigger message. */
  workerId: number;
  /** The store clock's current time. */
  now: Date;
  /** JSON text of a {@link RunWaitingFor}, stored on the run. */
  waitingFor: string;
  /** When the message comes back on its own. */
  until: Date;
  /** Checked after the locks are taken: if any holds, the message is released visible at `now` instead. */
  wakeIf: readonly WakeCondition[];
}

export interface SendRunMessageParams {
  /** The receiving run's id. */
  runId: number;
  /** The topic the message is sent on. */
  topic: string;
  /** JSON text. */
  payload: string;
  /** A second send with the same key to the same run returns the first message and writes nothing. */
  idempotencyKey: string | null;
  /** The sending run's id, or `null` when sent from outside a run. */
  senderRunId: number | null;
  /** The store clock's current time. */
  now: Date;
}

export interface TriggerRunParams {
  /** The workflow to trigger, by name. */
  workflowName: string;
  /** JSON text of the trigger payload (`{ "input": … }`). */
  payload: string;
  /** A second trigger of the same workflow with the same key returns the first message and run. */
  idempotencyKey: string | null;
  /** The parent run's id for a child run, or `null`. */
  parentRunId: number | null;
  /** The store clock's current time. */
  now: Date;
}

/** Operations of the workflow primitives; every backend implements all of them. */
export interface RunPrimitiveOps {
  /**
   * Insert step row `(runId, name)` with `kind`, status RUNNING (SUCCESS with `output` when given), `input`,
   * `started_at = now`, unless it exists; in one round trip. Returns the row (new or existing: an existing row is not changed) and the run's status (`null`
   * when the run does not exist; then `step` is `null` and nothing is written).
   */
  beginRunOp(p: BeginRunOpParams): Promise<{ runStatus: WorkflowStatus | null; step: StepRecord | null }>;
  /**
   * Step `(runId, name)` → SUCCESS with `output` (JSON text), `completed_at = now`, unless it is SUCCESS already
   * (then it is returned unchanged). `null` when the row does not exist.
   */
  finishRunOp(p: { runId: number; name: string; output: string; now: Date }): Promise<StepRecord | null>;
  /**
   * Pause a RUNNING (or QUEUED/PAUSED) run and release its trigger message held by `workerId` (read count refunded),
   * in one transaction, locking the run's row and the message's row before checking `wakeIf`:
   * - `paused`: run PAUSED (`paused_at = now`, `waiting_for` set), message visible at `until`, or at `now` when a
   *   `wakeIf` condition holds (`woken: true`);
   * - `cancelling`: the run is CANCELLING (nothing written; the engine finalises the cancellation);
   * - `lost`: the run is finished or missing, or the message is not held by `workerId` (nothing written).
   */
  suspendRun(
    p: SuspendRunParams,
  ): Promise<{ outcome: "paused" | "cancelling" | "lost"; woken: boolean; run: RunRecord | null }>;
  /**
   * Make the run's trigger message visible at `now` when no consumer holds it (a held one is left alone) and notify
   * its queue's consumers, in one statement. False when the run or its message does not exist (or is archived).
   */
  wakeRun(p: { runId: number; now: Date }): Promise<boolean>;
  /**
   * Insert a message for run `runId` and wake the run (as `wakeRun`), in one transaction. RUN_NOT_FOUND for an
   * unknown run, INVALID_STATE_TRANSITION for a finished one (SUCCESS, ERROR, CANCELLING, CANCELLED): nothing
   * written. With an `idempotencyKey` already used for this run, returns that message (`created: false`).
   */
  sendRunMessage(p: SendRunMessageParams): Promise<{ message: RunMessageRecord; created: boolean }>;
  /**
   * Consume the oldest message of `(runId, topic)` not consumed yet (`consumed_at = now`, `consumed_by_step =
   * stepName`) and complete step `(runId, stepName)` with output `{"messageId": id, "payload": payload}`, in one
   * transaction; concurrent receivers never get the same message. `null` (nothing written) when there is none.
   */
  receiveRunMessage(p: { runId: number; topic: string; stepName: string; now: Date }): Promise<RunMessageRecord | null>;
  /**
   * Optional one-round-trip `recv`: `beginRunOp(kind "recv")` then, unless the row is SUCCESS already, of another
   * kind, or the run is CANCELLING/CANCELLED, `receiveRunMessage`. Returns the run's status (`null`: no run,
   * nothing written), the step row after the statement and the message it consumed (`null` when none).
   */
  recvRunOp?(p: {
    runId: number;
    stepName: string;
    topic: string;
    /** JSON text stored as the step's input on first sight. */
    input: string;
    now: Date;
  }): Promise<{ runStatus: WorkflowStatus | null; step: StepRecord | null; message: RunMessageRecord | null }>;
  /** Messages of a run, oldest first (consumed ones included). */
  listRunMessages(p: { runId: number }): Promise<RunMessageRecord[]>;
  /** Upsert event `(runId, key)` (last write wins) and wake the run's waiters. RUN_NOT_FOUND for an unknown run. */
  setRunEvent(p: { runId: number; key: string; value: string; now: Date }): Promise<RunEventRecord>;
  /** One event, or `null`; `runExists` says whether the run exists at all. */
  getRunEvent(p: { runId: number; key: string }): Promise<{ runExists: boolean; event: RunEventRecord | null }>;
  /** Events of a run, by key. */
  listRunEvents(p: { runId: number }): Promise<RunEventRecord[]>;
  /**
   * Enqueue a trigger on the workflow's queue and create its run QUEUED (`input = payload`, `parent_run_id`,
   * `idempotency_key`) in one transaction. With a key already used for this workflow, returns the first trigger's
   * message and run (`created: false`) and writes nothing; concurrent triggers with one key create one run.
   * WORKFLOW_NOT_FOUND when the workflow does not exist. Consumers of the queue are notified as by `enqueue`.
   */
  triggerRun(p: TriggerRunParams): Promise<{ message: QueueMessage; run: RunRecord; created: boolean }>;
  /**
   * QUEUED|RUNNING|PAUSED → CANCELLING for run `runId` and every unfinished descendant (by `parent_run_id`), and
   * wake each of them (as `wakeRun`), in one transaction. Returns the root run after the change (`null` when it does
   * not exist); a root that is already CANCELLING or finished is returned unchanged (its descendants still are
   * cancelled when unfinished).
   */
  cancelRunTree(p: { runId: number; now: Date }): Promise<RunRecord | null>;
  /** The runs whose `parent_run_id` is `runId`, oldest first. */
  listChildRuns(p: { runId: number }): Promise<RunRecord[]>;
}
