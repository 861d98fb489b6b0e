/**
 * pgqrs for TypeScript: a durable job queue and durable workflows on PostgreSQL or embedded SQLite.
 *
 * ```ts
 * import * as pgqrs from "pgqrs";
 * const store = await pgqrs.connect("sqlite://./app.db");
 * await pgqrs.admin(store).install();
 * ```
 */

// Connecting and configuration
export { connect, connectWithConfig, type ConnectOptions } from "./api/connect.js";
export { Store } from "./api/pgqrs-store.js";
export { Config, type ConfigInput, type BackendKind, detectBackend, maskDsn, validateSchemaName } from "./config.js";
export { type ValidationConfig, defaultValidationConfig } from "./validation-config.js";
export { type Clock, systemClock, ManualClock, fixedClock } from "./clock.js";

// Administration and tables
export { Admin, admin, type QueueRef } from "./admin/admin.js";
export { tables } from "./api/tables-builder.js";
export { Tables, QueueTable, MessageTable, WorkerTable, WorkflowTable, RunTable, StepTable } from "./api/tables.js";

// Producing and consuming
export { producer, consumer, ProducerBuilder, ConsumerBuilder } from "./api/worker-builders.js";
export { enqueue, EnqueueBuilder } from "./api/enqueue-builder.js";
export {
  dequeue,
  DequeueBuilder,
  HandlerBuilder,
  type MessageHandler,
  type BatchHandler,
} from "./api/dequeue-builder.js";
export { Producer, type EnqueueOptions } from "./queue/producer.js";
export { Consumer, type DequeueOptions } from "./queue/consumer.js";
export type { PollLoopEnd } from "./queue/poll-loop.js";
export type { RateLimitStatus } from "./queue/token-bucket.js";
export { WorkerHandle } from "./workers/worker-handle.js";
export { WORKER_TRANSITIONS } from "./workers/worker-transitions.js";

// Durable workflows
export { workflow, WorkflowBuilder, TriggerBuilder } from "./api/workflow-builder.js";
export { run, RunBuilder } from "./api/run-builder.js";
export { step, StepBuilder } from "./api/step-builder.js";
export { WorkflowWorkerStarter } from "./api/worker-builders.js";
export {
  defineWorkflow,
  isWorkflowDefinition,
  type WorkflowDefinition,
  type WorkflowFn,
  type WorkflowOptions,
} from "./workflow/definition.js";
export { Run, type StepResult } from "./workflow/run.js";
export { StepGuard } from "./workflow/step-guard.js";
export { workflowStep, type WorkflowStepOptions } from "./workflow/workflow-step.js";
export { WorkflowWorker, type WorkflowWorkerOptions } from "./workflow/workflow-worker.js";
export { pauseError, type StepErrorJson } from "./workflow/workflow-errors.js";
export type { ResultOptions } from "./workflow/run-result.js";
export {
  BackoffStrategy,
  type StepRetryPolicy,
  defaultRetryPolicy,
  retryDelayMs,
  shouldRetry,
} from "./workflow/retry-policy.js";

// Errors
export {
  PgqrsError,
  InvalidStateTransitionError,
  ValidationError,
  TransientStepError,
  isPgqrsError,
  type PgqrsErrorCode,
  type PgqrsErrorDetails,
} from "./errors.js";

// Records
export {
  type QueueRecord,
  type QueueMessage,
  type WorkerRecord,
  type WorkerStatus,
  type WorkflowRecord,
  type WorkflowStatus,
  type RunRecord,
  type StepRecord,
  type QueueMetrics,
  type SystemStats,
  type WorkerHealthStats,
  type WorkerStats,
  type Page,
  WORKER_STATUSES,
  WORKFLOW_STATUSES,
} from "./types.js";
