/** Counts and health figures over queues, messages and workers, as `admin` reports them (re-exported by types.ts). */
/** Per-queue message counts. Times are those of the store's clock. */
export interface QueueMetrics {
  /** The queue's name. */
  name: string;
  /** The queue's id ({@link QueueRecord.id}). */
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
  /** `enqueuedAt` of the most recently enqueued message, archived ones included; `null` when the queue has none. */
  newestMessage: Date | null;
}

/** Store-wide totals (`admin(store).systemStats()`); message states are counted as in {@link QueueMetrics}. */
export interface SystemStats {
  /** Number of queues. */
  totalQueues: number;
  /** Number of registered workers, every status (admin workers included). */
  totalWorkers: number;
  /** Workers that are `ready` or `polling`. */
  activeWorkers: number;
  /** Messages not archived. */
  totalMessages: number;
  /** Unarchived messages visible now and below the store's `maxReadCt` (default 5): what dequeues can take. */
  pendingMessages: number;
  /** Unarchived messages held under a live lease. */
  leasedMessages: number;
  /** Alias of `leasedMessages`, pgqrs's name. */
  lockedMessages: number;
  /** Archived messages, dead-lettered ones included. */
  archivedMessages: number;
  /** Archived messages that were dead-lettered (and not replayed). */
  deadLetteredMessages: number;
  /** Number of workflow definitions. */
  totalWorkflows: number;
  /** Number of workflow runs, every status. */
  totalRuns: number;
  /** The highest applied migration number, as a decimal string (pgqrs reports the literal `"0.5.0"`). */
  schemaVersion: string;
}

/**
 * Worker counts by status for one group (`workerHealthStats`): every worker (`"Global"`), one queue's workers, or
 * the admin workers (`"Admin"`).
 */
export interface WorkerHealthStats {
  /** Queue name; `"Global"` when not grouped, `"Admin"` for admin workers. */
  queueName: string;
  /** Workers in the group, every status. */
  totalWorkers: number;
  /** Workers in `ready`. */
  readyWorkers: number;
  /** Workers in `polling`. */
  pollingWorkers: number;
  /** Workers in `interrupted`. */
  interruptedWorkers: number;
  /** Workers in `suspended`. */
  suspendedWorkers: number;
  /** Workers in `stopped`. */
  stoppedWorkers: number;
  /** `ready`/`polling` workers whose heartbeat is older than the timeout. */
  staleWorkers: number;
}

/** Worker counts and ages for one queue's workers (`workerStats(queueName)`). */
export interface WorkerStats {
  /** Workers registered on the queue, every status. */
  totalWorkers: number;
  /** Workers in `ready`. */
  readyWorkers: number;
  /** Workers in `polling`. */
  pollingWorkers: number;
  /** Workers in `interrupted`. */
  interruptedWorkers: number;
  /** Workers in `suspended`. */
  suspendedWorkers: number;
  /** Workers in `stopped`. */
  stoppedWorkers: number;
  /** Unarchived messages held by the queue's workers, divided by the number of workers. */
  averageMessagesPerWorker: number;
  /** Milliseconds since the oldest worker of the queue started; 0 when none. */
  oldestWorkerAgeMs: number;
  /** Milliseconds since the most recent heartbeat of the queue's workers; 0 when none. */
  newestHeartbeatAgeMs: number;
}
