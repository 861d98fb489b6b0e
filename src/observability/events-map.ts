/**
 * The events a store emits (`store.events.on(name, listener)`), by name, with what each carries. Times are the
 * store clock's; durations in milliseconds.
 */
import type { MessageError } from "../queue-controls-types.js";
import type { WorkflowStatus } from "../types.js";

/** Messages written by one enqueue call (not a deduplicated one, which writes nothing). */
export interface EnqueuedEvent {
  /** The queue's name. */
  queue: string;
  /** The queue's id (`QueueRecord.id`). */
  queueId: number;
  /** The new messages' ids, in payload order. */
  messageIds: number[];
  /** The producer's worker id. */
  producerWorkerId: number;
}

/** Messages archived as done by their consumer (a handler that succeeded, or `archive`/`archiveMany`). */
export interface CompletedEvent {
  /** The queue's name. */
  queue: string;
  /** The queue's id (`QueueRecord.id`). */
  queueId: number;
  /** The messages actually archived (ones this consumer no longer held are left out). */
  messageIds: number[];
  /** The consumer's worker id (the one that held the leases and archived the messages). */
  consumerWorkerId: number;
}

/** A delivery whose handler failed: the message was released for a retry, or dead-lettered at its last attempt. */
export interface FailedEvent {
  /** The queue's name. */
  queue: string;
  /** The queue's id (`QueueRecord.id`). */
  queueId: number;
  /** The failed message's id. */
  messageId: number;
  /** The worker id of the consumer whose handler failed. */
  consumerWorkerId: number;
  /** The error kept on the message (`QueueMessage.lastError`). */
  error: MessageError;
  /** The failed delivery's number: 1 for the first. */
  attempt: number;
  /** When the message is visible again; `null` when it was dead-lettered. */
  nextVisibleAt: Date | null;
  /** True when this was its last attempt and the message was dead-lettered (a `deadLettered` event follows). */
  deadLettered: boolean;
}

/** A message moved to its queue's dead letters by its last failed attempt. */
export interface DeadLetteredEvent {
  /** The queue's name. */
  queue: string;
  /** The queue's id (`QueueRecord.id`). */
  queueId: number;
  /** The dead-lettered message's id. */
  messageId: number;
  /** The last attempt's error. */
  error: MessageError;
  /** Attempts made. */
  attempts: number;
}

/** A worker began (or resumed, on a later delivery) a run. */
export interface RunStartedEvent {
  /** The workflow's name. */
  workflow: string;
  /** The run's id (`RunRecord.id`). */
  runId: number;
  /** The id of the run's trigger message. */
  messageId: number;
  /** Starts of the run so far, this one included (`RunRecord.attempts`). */
  attempt: number;
}

/** A run reached a terminal status in this process. */
export interface RunFinishedEvent {
  /** The workflow's name. */
  workflow: string;
  /** The run's id (`RunRecord.id`). */
  runId: number;
  /** The id of the run's trigger message. */
  messageId: number;
  /** The terminal status the run reached. */
  status: Extract<WorkflowStatus, "SUCCESS" | "ERROR" | "CANCELLED">;
  /** From the run's first start to now, ms (store clock). */
  durationMs: number;
  /** The stored error, for ERROR; `null` otherwise. */
  error: unknown;
}

/** A step's code ran to an end in this process (a replayed step, already done, emits nothing). */
export interface StepFinishedEvent {
  /** The run's workflow, when a worker drives the run; `null` for a run driven by hand (`pgqrs.run()`). */
  workflow: string | null;
  /** The run's id (`RunRecord.id`). */
  runId: number;
  /** The step's name (`StepRecord.stepName`). */
  step: string;
  /** SUCCESS, or ERROR for an attempt that threw (see `retryAt`). */
  status: "SUCCESS" | "ERROR";
  /** How long the step's function took, ms (store clock). */
  durationMs: number;
  /** What the step threw, for ERROR; `undefined` otherwise. */
  error?: unknown;
  /** For ERROR: when the step may run again, or `null` when it will not (no retries left, or not retried). */
  retryAt: Date | null;
}

/** A worker of this store was stopped (its loop ended on a signal or `stop()`, or `shutdown()`). */
export interface WorkerStoppedEvent {
  /** The stopped worker's id. */
  workerId: number;
  /** The stopped worker's name. */
  name: string;
  /** The worker's queue id, `null` for admin workers. */
  queueId: number | null;
}

/** Event name → what its listeners receive. */
export interface PgqrsEventMap {
  /** Messages written by one enqueue call ({@link EnqueuedEvent}). */
  enqueued: EnqueuedEvent;
  /** Messages archived as done by their consumer ({@link CompletedEvent}). */
  completed: CompletedEvent;
  /** A delivery whose handler failed ({@link FailedEvent}). */
  failed: FailedEvent;
  /** A message dead-lettered by its last failed attempt ({@link DeadLetteredEvent}). */
  deadLettered: DeadLetteredEvent;
  /** A worker began or resumed a run ({@link RunStartedEvent}). */
  runStarted: RunStartedEvent;
  /** A run reached a terminal status in this process ({@link RunFinishedEvent}). */
  runFinished: RunFinishedEvent;
  /** A step's code ran to an end in this process ({@link StepFinishedEvent}). */
  stepFinished: StepFinishedEvent;
  /** A worker of this store was stopped ({@link WorkerStoppedEvent}). */
  workerStopped: WorkerStoppedEvent;
}

/** The name of a store event. */
export type PgqrsEventName = keyof PgqrsEventMap;

/** A listener of event `K`. A returned promise is not awaited; its rejection is reported like a throw. */
export type PgqrsEventListener<K extends PgqrsEventName> = (event: PgqrsEventMap[K]) => void | Promise<void>;
