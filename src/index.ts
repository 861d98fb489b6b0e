/**
 * pgqrs for TypeScript: a durable job queue and durable workflows on PostgreSQL or embedded SQLite.
 *
 * ```ts
 * import * as pgqrs from "pgqrs";
 * const store = await pgqrs.connect("sqlite://./app.db");
 * await pgqrs.admin(store).install();
 * ```
 */

// Administration and tables
export { Admin, admin, type QueueRef } from "./admin/admin.js";
export type { ListRunsOptions, RunPage, RunSummary } from "./admin/run-queries.js";
export { ON_TIME_MS, type CreateScheduleOptions, type UpdateSchedulePatch } from "./schedules/schedule-options.js";
export { MAX_TICKS_PER_ROUND } from "./schedules/firing.js";
export { SCHEDULE_CHECK_MS } from "./workers/store-tasks.js";
export type {
  ScheduleCatchUp,
  ScheduleOverlap,
  ScheduleRecord,
  ScheduleTickRecord,
  ScheduleTickStatus,
} from "./store/schedule-store.js";
export type {
  PurgeArchivedOptions,
  RetentionCounts,
  RunRetentionOptions,
} from "./admin/retention.js";
export {
  DEFAULT_RETENTION,
  type RetentionDuration,
  type RetentionOptions,
  type RetentionPolicy,
} from "./retention/retention-policy.js";
export type { RetentionProgress, RetentionSweepResult } from "./retention/retention-sweep.js";
// Observability: in-process events (store.events)
export type * from "./observability/events-map.js";
export { StoreEvents } from "./observability/events.js";
// Connecting and configuration
export { type ConnectOptions, connect, connectWithConfig } from "./api/connect.js";
export {
  asS3,
  type S3Mode,
  type S3SnapshotResult,
  type S3StoreHandle,
  type S3SyncResult,
  type S3SyncState,
  type S3SyncStateName,
} from "./api/as-s3.js";
export type { PgPoolClientLike, PgPoolLike } from "./api/pg-pool-like.js";
export { type LogFields, type Logger, type LogLevel, type LogMethod, silentLogger } from "./observability/logger.js";
export {
  type BatchContext,
  type BatchHandler,
  DequeueBuilder,
  dequeue,
  HandlerBuilder,
  type MessageContext,
  type MessageHandler,
} from "./api/dequeue-builder.js";
export { EnqueueBuilder, enqueue } from "./api/enqueue-builder.js";
export { Store } from "./api/pgqrs-store.js";
export { RunBuilder, type RunOutputOf, run } from "./api/run-builder.js";
export { getEvent, send } from "./api/run-messaging.js";
export { StepBuilder, step } from "./api/step-builder.js";
export { MessageTable, QueueTable, RunTable, StepTable, Tables, WorkerTable, WorkflowTable } from "./api/tables.js";
export { EPHEMERAL_WORKER_PREFIX, isEphemeralWorkerName, type WorkerFilter } from "./store/worker-filter.js";
export { tables } from "./api/tables-builder.js";
// Producing and consuming
export { ConsumerBuilder, consumer, ProducerBuilder, producer, WorkflowWorkerStarter } from "./api/worker-builders.js";
export type { ConsumerOptions, ProducerOptions, SwapHint } from "./api/worker-registration.js";
// Typed queues and JSON payloads
export { type DefineQueueOptions, defineQueue, QueueDefinition } from "./api/define-queue.js";
export {
  type QueueConsumer,
  type QueueHandler,
  QueueWorker,
  type QueueWorkerOptions,
  type TypedClaims,
} from "./api/queue-worker.js";
export type { Json, JsonArray, JsonObject, JsonPrimitive, JsonValue } from "./json-types.js";
// Durable workflows
export { TriggerBuilder, WorkflowBuilder, workflow } from "./api/workflow-builder.js";
export type { StartedTrigger } from "./api/trigger-builder.js";
export type { TriggerControls, TriggerMessage } from "./api/trigger-message.js";
export {
  type Clock,
  fixedClock,
  ManualClock,
  sleep,
  systemClock,
  systemTimers,
  type Timer,
  type TimerOptions,
  type Timers,
  timersOf,
} from "./clock.js";
export { VirtualClock } from "./virtual-clock.js";
export { type BackendKind, Config, type ConfigInput, detectBackend, maskDsn, validateSchemaName } from "./config.js";
// Prometheus metrics
export {
  createMetricsExporter,
  MetricsExporter,
  type MetricsExporterOptions,
  metrics,
} from "./metrics/metrics-exporter.js";
export { DEFAULT_STEP_BUCKETS_SECONDS } from "./metrics/metric-families.js";
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from "./metrics/metrics-server.js";
// Errors
export {
  InvalidStateTransitionError,
  isPgqrsError,
  NonRetryableError,
  PgqrsError,
  type PgqrsErrorCode,
  type PgqrsErrorDetails,
  type PgqrsErrorDetailsMap,
  TransientStepError,
  ValidationError,
} from "./errors.js";
export { Consumer, type DequeueOptions, type ReleaseOptions, type StopOptions } from "./queue/consumer.js";
export type { MessageIterator, MessageIteratorOptions } from "./queue/message-iterator.js";
export type { PollLoopEnd } from "./queue/poll-loop.js";
export { type BatchEnqueueOptions, type EnqueueOptions, Producer } from "./queue/producer.js";
export type {
  CreateQueueOptions,
  MessageError,
  QueueSettings,
  QueueSettingsOptions,
  RateLimit,
  RetryOptions,
  RetryPolicy,
} from "./queue-controls-types.js";
export { DEFAULT_RETRY } from "./queue/retry-backoff.js";
export type { RateLimitStatus } from "./queue/token-bucket.js";
// Records
export {
  type Page,
  type QueueMessage,
  type QueueMetrics,
  type QueueRecord,
  type RunRecord,
  type StepAttemptError,
  type StepRecord,
  type SystemStats,
  WORKER_STATUSES,
  WORKFLOW_STATUSES,
  type WorkerHealthStats,
  type WorkerRecord,
  type WorkerStats,
  type WorkerStatus,
  type WorkflowRecord,
  type WorkflowStatus,
} from "./types.js";
export { defaultValidationConfig, type ValidationConfig } from "./validation-config.js";
export { WorkerHandle } from "./workers/worker-handle.js";
export { WORKER_TRANSITIONS } from "./workers/worker-transitions.js";
export {
  defineWorkflow,
  isWorkflowDefinition,
  type WorkflowDefinition,
  type WorkflowFn,
  type WorkflowOptions,
} from "./workflow/definition.js";
export {
  BackoffStrategy,
  defaultRetryPolicy,
  type RetryOption,
  retryDelayMs,
  type StepRetryPolicy,
  shouldRetry,
} from "./workflow/retry-policy.js";
export { Run, type StepResult } from "./workflow/run.js";
export type { ChildRunHandle, StartChildOptions } from "./workflow/run-children.js";
export type { GetEventOptions } from "./workflow/run-events.js";
export type { RecvOptions, SendOptions } from "./workflow/run-messages.js";
export { RunWaitSignal } from "./workflow/run-waits.js";
export type { RunEventRecord, RunMessageRecord, RunWaitingFor } from "./store/run-primitives.js";
export type { ForkRunOptions } from "./workflow/run-operations.js";
export type { ResultOptions, TypedRunRecord } from "./workflow/run-result.js";
export { StepGuard } from "./workflow/step-guard.js";
export { pauseError, type StepErrorJson } from "./workflow/workflow-errors.js";
export {
  type WorkflowMessageHandler,
  workflowHandler,
  workflowHandlerWithTime,
} from "./workflow/workflow-message-handler.js";
export { type WorkflowStepOptions, workflowStep } from "./workflow/workflow-step.js";
export { WorkflowWorker, type WorkflowWorkerOptions } from "./workflow/workflow-worker.js";
export { MAX_VERSION_LENGTH, type WorkerVersions } from "./workflow/workflow-versions.js";

// `import pgqrs from "pgqrs"` works as well as `import * as pgqrs from "pgqrs"`.
export { default } from "./default-export.js";
