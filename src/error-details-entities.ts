/**
 * The `details` of the `PgqrsError` codes about queues, workflows, runs, schedules, messages and workers, and of
 * argument validation: part of `PgqrsErrorDetailsMap` (error-details.ts). Each field is what a construction site
 * in pgqrs puts there, optional unless every site sets it. Ids are database ids (integers).
 */
/** The entity and validation codes' `details`, by code (see `PgqrsErrorDetailsMap`). */
export interface EntityErrorDetailsMap {
  /** A queue that does not exist (by name, or by id). */
  QUEUE_NOT_FOUND: Readonly<{
    /** The queue name asked for. */
    name?: string;
    /** The queue id asked for. */
    id?: number;
    /** Set with `swapped`: the existing queue that the worker name named (the arguments look swapped). */
    existingQueue?: string;
    /** True when the queue and worker name arguments look swapped (the worker name is an existing queue). */
    swapped?: true;
  }>;
  /** `createQueue` of a name that is taken (every backend). */
  QUEUE_ALREADY_EXISTS: Readonly<{
    /** The queue name. */
    name: string;
  }>;
  /** A workflow that was never created in this database (or was deleted). */
  WORKFLOW_NOT_FOUND: Readonly<{
    /** The workflow name. */
    name?: string;
    /** The workflow name, as a run trigger named it. */
    workflowName?: string;
    /** For a trigger message on a queue with no workflow: the message's queue id. */
    queueId?: number;
    /** For a trigger message on a queue with no workflow: the queue's name. */
    queueName?: string;
    /** For a trigger message on a queue with no workflow: the message id. */
    messageId?: number;
  }>;
  /** Reserved: no pgqrs call raises it today, so it carries nothing. */
  WORKFLOW_ALREADY_EXISTS: NoDetails;
  /** A workflow run that does not exist. */
  RUN_NOT_FOUND: Readonly<{
    /** The run id asked for. */
    runId?: number;
    /** The trigger message whose run was asked for. */
    messageId?: number;
  }>;
  /** A schedule that does not exist. */
  SCHEDULE_NOT_FOUND: Readonly<{
    /** The schedule name. */
    name?: string;
  }>;
  /** A schedule name that is taken. */
  SCHEDULE_ALREADY_EXISTS: Readonly<{
    /** The schedule name. */
    name: string;
  }>;
  /** A message that does not exist (or is no longer where the call looked for it). */
  MESSAGE_NOT_FOUND: Readonly<{
    /** The message id. */
    messageId: number;
  }>;
  /** A worker that does not exist (deleted, or never registered). */
  WORKER_NOT_FOUND: Readonly<{
    /** The worker id. */
    workerId?: number;
  }>;
  /** A worker asked to stop or be deleted while it still holds messages. */
  WORKER_HAS_PENDING_MESSAGES: Readonly<{
    /** How many messages the worker holds. */
    count: number;
  }>;
  /** A worker, run or step asked to move between states its state machine forbids. */
  INVALID_STATE_TRANSITION: Readonly<{
    /** The current state. */
    from: string;
    /** The state asked for. */
    to: string;
    /** Why the move is refused. */
    reason: string;
  }>;
  /** Bad input to a call (argument, option, payload); nothing was written. */
  VALIDATION_FAILED: ValidationFailedDetails;
  /** One payload larger than `maxPayloadSizeBytes`. */
  PAYLOAD_TOO_LARGE: Readonly<{
    /** The payload's JSON size, in bytes. */
    actualBytes: number;
    /** The limit, in bytes (`maxPayloadSizeBytes`). */
    maxBytes: number;
  }>;
  /** An enqueue over the queue's rate limit. */
  RATE_LIMITED: Readonly<{
    /** How many tokens (messages) the call asked for. */
    requested: number;
    /**
     * When to try again, in milliseconds; `null` when waiting cannot help (the batch is larger than the burst
     * capacity, or the rate is 0).
     */
    retryAfterMs: number | null;
    /** Tokens available when the call was refused (rounded down). */
    availableTokens?: number;
    /** The burst capacity (`maxEnqueueBurst`), when the batch can never fit it. */
    burstCapacity?: number;
  }>;
}

/** Details of a code that carries none: constructing it with a field fails to compile. */
export type NoDetails = Readonly<Record<string, never>>;

/**
 * The `details` of VALIDATION_FAILED (a `ValidationError`): `reason` always, and the facts of the check that
 * failed. `argument` names the argument or option at fault whenever one does.
 */
export type ValidationFailedDetails = Readonly<{
  /** What is wrong, as in the message after "Validation failed: ". */
  reason: string;
  /** The argument or option at fault (`"dedupKey"`, `"cron"`, `"retention.archived"`, …). */
  argument?: string;
  /** The configuration or store field at fault (`"tx"`, `"rows"`, `"dedupKey"`, `"payload"`, …). */
  field?: string;
  /**
   * For names: which name (`"queue"`, `"worker"`, `"workflow"`, …). For payload limits: `"PAYLOAD_TOO_LARGE"` or
   * `"BATCH_TOO_LARGE"`. For a reused operation name: the new operation's kind.
   */
  kind?: string;
  /** The offending value (shortened when long). */
  value?: unknown;
  /** Where in the payload the bad value sits (`$.a.b`). */
  path?: string;
  /** A message id (the message a call was refused for). */
  id?: number;
  /** The message a call was refused for. */
  messageId?: number;
  /** The queue of that message. */
  queueId?: number;
  /** The queue a delete was refused for. */
  queueName?: string;
  /** Workers still assigned to that queue. */
  workers?: number;
  /** Messages still referencing that queue. */
  messages?: number;
  /** A worker or operation name. */
  name?: string;
  /** The worker's or run's current status. */
  status?: string;
  /** The worker a delete was refused for. */
  workerId?: number;
  /** Messages and archived messages still referencing that worker. */
  references?: number;
  /** The run the call was refused for. */
  runId?: number;
  /** The kind of the operation that already uses a name in the run. */
  existingKind?: string;
  /** The `fromStep` that is not a step of the run. */
  fromStep?: string;
  /** The store's backend, when a call needs another. */
  backend?: string;
  /** The backend the call needs. */
  expected?: string;
  /** The lower bound of a number range. */
  min?: number;
  /** The upper bound of a number range, or the most items a batch may hold. */
  max?: number;
  /** How many items the batch held. */
  actual?: number;
  /** A payload's or batch's JSON size, in bytes. */
  actualBytes?: number;
  /** The limit on that size, in bytes. */
  maxBytes?: number;
  /** A bad workflow version (first 100 characters), or its type when not a string. */
  version?: string;
  /** A bad `versions` list, as text. */
  versions?: string;
  /** A bad element of a `versions` list (first 100 characters), or its type when not a string. */
  readonly [element: `versions[${number}]`]: string;
}>;
