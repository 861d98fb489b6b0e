/**
 * Records and statuses, as stored.
 *
 * Glossary:
 * - **queue**: a named stream of messages (`pgqrs_queues`).
 * - **message**: one job; *delayed* until `vt`, *pending* when visible and not dead, *leased* while a consumer
 *   holds it (`consumerWorkerId` set and `vt` in the future), *archived* when done or dead-lettered.
 * - **lease**: the visibility timeout a consumer takes with `dequeue`; when it passes, any consumer may take the
 *   message again and the old owner's archive/delete/extend return `false`.
 * - **worker**: a registered producer, consumer or admin handle (`pgqrs_workers`) with a five-state lifecycle.
 * - **workflow**: a definition (`pgqrs_workflows`) owning a queue of the same name; a **run** is one execution,
 *   keyed by its trigger message; a **step** is one durable unit of a run, keyed by `(runId, stepName)`.
 */
import type { JsonValue } from "./json-types.js";
import type { MessageError, QueueSettings } from "./queue-controls-types.js";
import type { RunWaitingFor } from "./store/run-primitives.js";

/** Worker lifecycle states (lowercase, as pgqrs stores them). */
export type WorkerStatus = "ready" | "polling" | "suspended" | "interrupted" | "stopped";
/** Every {@link WorkerStatus}, in lifecycle order (`ready` first, `stopped` last). */
export const WORKER_STATUSES: readonly WorkerStatus[] = ["ready", "polling", "suspended", "interrupted", "stopped"];

/** Run and step states (uppercase, as pgqrs stores them). */
export type WorkflowStatus = "QUEUED" | "RUNNING" | "PAUSED" | "SUCCESS" | "ERROR" | "CANCELLING" | "CANCELLED";
/**
 * Every {@link WorkflowStatus}: the live states first (`QUEUED`, `RUNNING`, `PAUSED`), then the terminal and cancelling
 * ones.
 */
export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  "QUEUED",
  "RUNNING",
  "PAUSED",
  "SUCCESS",
  "ERROR",
  "CANCELLING",
  "CANCELLED",
];

/** A queue row (`pgqrs_queues`) with its settings. */
export interface QueueRecord extends QueueSettings {
  /** Queue id (database-assigned, from 1). */
  id: number;
  /** The queue's unique name. */
  queueName: string;
  /** When the queue was created (the store's clock). */
  createdAt: Date;
}

/**
 * A message row. `payload` is the parsed JSON value the producer enqueued.
 * @typeParam T - The payload's type (`unknown` unless a typed queue or a type argument says).
 */
export interface QueueMessage<T = unknown> {
  /** Message id (database-assigned, increasing; kept by a dead-letter replay). */
  id: number;
  /** Id of the queue ({@link QueueRecord.id}) the message belongs to. */
  queueId: number;
  /** The JSON payload the producer enqueued, parsed. */
  payload: T;
  /** Not visible before this time; for a leased message, when the lease ends. */
  vt: Date;
  /** When the message was enqueued (reset to the replay time by a dead-letter replay). */
  enqueuedAt: Date;
  /** How many times the message was leased. */
  readCt: number;
  /** First lease time; kept across redeliveries. */
  dequeuedAt: Date | null;
  /** The producer worker that enqueued the message; `null` when it was enqueued without one. */
  producerWorkerId: number | null;
  /** The consumer holding (or, once archived, that last held) the lease; `null` when never leased or released. */
  consumerWorkerId: number | null;
  /** When the message was archived (done or dead-lettered); `null` while it is live. */
  archivedAt: Date | null;
  /**
   * When the message was moved to its queue's dead-letter set, while it is there; `null` otherwise (also once
   * replayed, by this package or by pgqrs's `replay_dlq`).
   */
  deadLetteredAt: Date | null;
  /** Claimed before messages of lower priority; higher first, then oldest first. Default 0. */
  priority: number;
  /** At most one unarchived message of the queue has this key (`enqueue(p, { dedupKey })`); `null` when none. */
  dedupKey: string | null;
  /**
   * Messages of one group are delivered one at a time in enqueue order: the next only once the previous is
   * archived or dead-lettered (`enqueue(p, { groupKey })`); `null` when none.
   */
  groupKey: string | null;
  /** The error of the last failed delivery, while there is one; `null` otherwise. */
  lastError: MessageError | null;
  /**
   * String headers stored beside the payload (never inside it): the W3C trace context (`traceparent`, `tracestate`)
   * of the enqueue when OpenTelemetry was active there, so the handler's span joins the producer's trace; `null`
   * when the enqueue had no active trace (and for messages written by pgqrs in Rust or Python).
   */
  headers: Record<string, string> | null;
  /**
   * The last value a consumer holding the message reported with `consumer.updateProgress` (or a handler with its
   * context's `updateProgress`): any JSON value. Kept across redeliveries (a crash, an expired lease, a release) and
   * by the archive, so a handler can resume from its checkpoint; `null` until reported.
   */
  progress: JsonValue | null;
  /** Set on what `enqueue` returns when a message with the same `dedupKey` already existed and nothing was written. */
  deduplicated?: true;
}

/**
 * A worker row (`pgqrs_workers`): a producer, consumer or admin handle. Times are those of the store's clock (UTC
 * `Date`s).
 */
export interface WorkerRecord {
  /** Worker id (database-assigned, from 1). */
  id: number;
  /** The worker's unique name (re-registering a `stopped` worker of that name reuses its row). */
  name: string;
  /** `null` for admin workers. */
  queueId: number | null;
  /** When the worker registered (reset when a stopped worker of the same name registers again). */
  startedAt: Date;
  /** The worker's last heartbeat (its registration time until the first one). */
  heartbeatAt: Date;
  /** When the worker became `stopped` (shutdown or zombie reclaim); `null` while it is not stopped. */
  shutdownAt: Date | null;
  /** Current lifecycle state (see {@link WorkerStatus}). */
  status: WorkerStatus;
}

/** A workflow definition row (`pgqrs_workflows`); its trigger queue has the same name. */
export interface WorkflowRecord {
  /** Workflow id (database-assigned, from 1). */
  id: number;
  /** The workflow's unique name, also the name of its trigger queue. */
  name: string;
  /** Id of the trigger queue ({@link QueueRecord.id}). */
  queueId: number;
  /** When the workflow was created (the store's clock). */
  createdAt: Date;
}

/** A workflow run row (`pgqrs_workflow_runs`), one per trigger message. Times are those of the store's clock. */
export interface RunRecord {
  /** Run id (database-assigned, from 1). */
  id: number;
  /** Id of the workflow ({@link WorkflowRecord.id}) the run executes. */
  workflowId: number;
  /** Id of the trigger message ({@link QueueMessage.id}); unique: one run per message. */
  messageId: number;
  /** Current state (see {@link WorkflowStatus}). */
  status: WorkflowStatus;
  /** The trigger payload, `{ input: … }`. */
  input: unknown;
  /** The handler's return value once the run is `SUCCESS`; `null` before (and after a rerun resets it). */
  output: unknown;
  /**
   * The stored error: `{ is_transient, code, message, … }` once `ERROR`; `run.pause` stores `{ message, resume_after }`
   * (seconds) here too, kept after the run resumes. `null` when neither happened (cleared by a rerun).
   */
  error: unknown;
  /** When the run row was created. */
  createdAt: Date;
  /** When the run row last changed. */
  updatedAt: Date;
  /** When a worker first started the run (kept across restarts); `null` until then. */
  startedAt: Date | null;
  /** When the run last entered `PAUSED`; `null` if it never paused. */
  pausedAt: Date | null;
  /** When the run reached `SUCCESS`, `ERROR` or `CANCELLED`; `null` while it has not (cleared by a rerun). */
  completedAt: Date | null;
  /** The worker that last started the run (its trigger's consumer), or `null` when no worker has started it. */
  workerId: number | null;
  /** How many times a worker started the run: its first start and each restart (after a pause, a retry, a crash). */
  attempts: number;
  /** The run that started this one with `run.startChild`, or `null`. */
  parentRunId: number | null;
  /** The run this one was forked from (`admin(store).forkRun`), or `null`. */
  forkedFromRunId: number | null;
  /** What a PAUSED run waits for (sleep, message, event, child, retry, pause); `null` when it is not waiting. */
  waitingFor: RunWaitingFor | null;
  /**
   * The version of the workflow definition that triggered the run (`defineWorkflow({ version })`), or `null` (an
   * unversioned definition, pgqrs, or a run older than versions): a run with a version is executed only by workers
   * of that version (or serving any); a run without one by any worker.
   */
  version: string | null;
}

/** A step row (`pgqrs_workflow_steps`), keyed by `(runId, stepName)`. Times are those of the store's clock. */
export interface StepRecord {
  /** Step id (database-assigned, from 1). */
  id: number;
  /** Id of the run ({@link RunRecord.id}) the step belongs to. */
  runId: number;
  /** The step's name, unique within its run. */
  stepName: string;
  /** Current state (see {@link WorkflowStatus}): `RUNNING` while it executes, then `SUCCESS` or `ERROR`. */
  status: WorkflowStatus;
  /** The step's input as stored; `null` for steps that record none (always for rows written by pgqrs). */
  input: unknown;
  /** The step's result once `SUCCESS` (what a replay returns instead of running it again); `null` before. */
  output: unknown;
  /** The stored error (`{ is_transient, code, message, … }`) of a step in `ERROR`; `null` otherwise. */
  error: unknown;
  /** When the step row was created. */
  createdAt: Date;
  /** When the step row last changed. */
  updatedAt: Date;
  /** When the step's latest execution started; `null` when not recorded. */
  startedAt: Date | null;
  /** When the step reached `SUCCESS` or `ERROR`; `null` while it has not. */
  completedAt: Date | null;
  /** When a failed transient step may run again; `null` when it may not (or is not failed). */
  retryAt: Date | null;
  /** Retries scheduled so far (the first execution is not a retry). */
  retryCount: number;
  /**
   * The operation the row records: `step` (a `run.step`), `sleep`, `recv`, `send`, `child` (a `startChild`) or
   * `child-result`. Rows written by pgqrs (Rust/Python) are `step`.
   */
  kind: string;
  /** The error of each failed execution of the step, oldest first (empty when none failed). */
  attemptErrors: StepAttemptError[];
}

/** One failed execution of a step, kept on the step. */
export interface StepAttemptError {
  /** The execution's number under the step's retry budget: 1 is the first, each scheduled retry adds one. */
  attempt: number;
  /** When the failure was recorded (the run's clock). */
  at: Date;
  /** The error as stored in the step's `error` then: `{ is_transient, code, message, … }`. */
  error: unknown;
}

export type { QueueMetrics, SystemStats, WorkerHealthStats, WorkerStats } from "./stats-types.js";

/** One page of a listing. */
export interface Page {
  /** Rows to return, default 100. */
  limit?: number;
  /** Rows to skip, default 0. */
  offset?: number;
}
