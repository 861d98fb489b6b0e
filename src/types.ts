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
export const WORKER_STATUSES: readonly WorkerStatus[] = ["ready", "polling", "suspended", "interrupted", "stopped"];

/** Run and step states (uppercase, as pgqrs stores them). */
export type WorkflowStatus = "QUEUED" | "RUNNING" | "PAUSED" | "SUCCESS" | "ERROR" | "CANCELLING" | "CANCELLED";
export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  "QUEUED",
  "RUNNING",
  "PAUSED",
  "SUCCESS",
  "ERROR",
  "CANCELLING",
  "CANCELLED",
];

export interface QueueRecord extends QueueSettings {
  id: number;
  queueName: string;
  createdAt: Date;
}

/** A message row. `payload` is the parsed JSON value the producer enqueued. */
export interface QueueMessage<T = unknown> {
  id: number;
  queueId: number;
  payload: T;
  /** Not visible before this time; for a leased message, when the lease ends. */
  vt: Date;
  enqueuedAt: Date;
  /** How many times the message was leased. */
  readCt: number;
  /** First lease time; kept across redeliveries. */
  dequeuedAt: Date | null;
  producerWorkerId: number | null;
  consumerWorkerId: number | null;
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

export interface WorkerRecord {
  id: number;
  name: string;
  /** `null` for admin workers. */
  queueId: number | null;
  startedAt: Date;
  heartbeatAt: Date;
  shutdownAt: Date | null;
  status: WorkerStatus;
}

export interface WorkflowRecord {
  id: number;
  name: string;
  queueId: number;
  createdAt: Date;
}

export interface RunRecord {
  id: number;
  workflowId: number;
  messageId: number;
  status: WorkflowStatus;
  /** The trigger payload, `{ input: … }`. */
  input: unknown;
  output: unknown;
  error: unknown;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  pausedAt: Date | null;
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

export interface StepRecord {
  id: number;
  runId: number;
  stepName: string;
  status: WorkflowStatus;
  input: unknown;
  output: unknown;
  error: unknown;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
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

/** Per-queue message counts. Times are those of the store's clock. */
export interface QueueMetrics {
  name: string;
  queueId: number;
  /** Every message row of the queue, archived ones included (pgqrs's meaning). */
  totalMessages: number;
  /** Messages not archived (delayed, pending, leased, awaiting dead-letter). */
  activeMessages: number;
  /** Visible now, not leased, and below `maxReadCt`: what the next dequeue can take. */
  pendingMessages: number;
  /** Not visible yet (enqueued with a delay, or released with a later visibility). */
  delayedMessages: number;
  /** Held under a live lease. */
  leasedMessages: number;
  /** Alias of `leasedMessages`, pgqrs's name. */
  lockedMessages: number;
  /** Archived, including dead-lettered. */
  archivedMessages: number;
  /** Archived because they reached `maxReadCt`. */
  deadLetteredMessages: number;
  /** `enqueuedAt` of the oldest pending message. */
  oldestPendingMessage: Date | null;
  /** Age of the oldest pending message in milliseconds, 0 when none. */
  oldestPendingAgeMs: number;
  newestMessage: Date | null;
}

export interface SystemStats {
  totalQueues: number;
  totalWorkers: number;
  /** Workers that are `ready` or `polling`. */
  activeWorkers: number;
  /** Messages not archived. */
  totalMessages: number;
  pendingMessages: number;
  leasedMessages: number;
  lockedMessages: number;
  archivedMessages: number;
  deadLetteredMessages: number;
  totalWorkflows: number;
  totalRuns: number;
  schemaVersion: string;
}

export interface WorkerHealthStats {
  /** Queue name; `"Global"` when not grouped, `"Admin"` for admin workers. */
  queueName: string;
  totalWorkers: number;
  readyWorkers: number;
  pollingWorkers: number;
  interruptedWorkers: number;
  suspendedWorkers: number;
  stoppedWorkers: number;
  /** `ready`/`polling` workers whose heartbeat is older than the timeout. */
  staleWorkers: number;
}

export interface WorkerStats {
  totalWorkers: number;
  readyWorkers: number;
  pollingWorkers: number;
  interruptedWorkers: number;
  suspendedWorkers: number;
  stoppedWorkers: number;
  /** Unarchived messages held by the queue's workers, divided by the number of workers. */
  averageMessagesPerWorker: number;
  /** Milliseconds since the oldest worker of the queue started; 0 when none. */
  oldestWorkerAgeMs: number;
  /** Milliseconds since the most recent heartbeat of the queue's workers; 0 when none. */
  newestHeartbeatAgeMs: number;
}

/** One page of a listing. */
export interface Page {
  /** Rows to return, default 100. */
  limit?: number;
  /** Rows to skip, default 0. */
  offset?: number;
}
