/**
 * The Store contract: the only seam between the engine and persistence.
 *
 * Every operation takes one params object and returns typed rows. Times are always supplied by the caller
 * (`now`, from the injectable clock) so that leases, delays and retries are deterministic in tests; a backend
 * never reads its own clock for domain decisions. Hot operations are one round trip; multi-statement changes run
 * in one transaction inside the backend. Driver errors are translated into {@link PgqrsError} codes by SQLSTATE or
 * SQLite error code, never by message text.
 */
import type { DashboardReadStoreOps } from "./dashboard-read-store.js";
import type { MessageStoreOps } from "./message-store.js";
import type { MetricsStoreOps } from "./metrics-store.js";
import type { QueueStoreOps } from "./queue-store.js";
import type { RetentionStoreOps } from "./retention-store.js";
import type { RunOperationOps } from "./run-operations.js";
import type { RunPrimitiveOps } from "./run-primitives.js";
import type { RunQueryOps } from "./run-queries.js";
import type { ScheduleStoreOps } from "./schedule-store.js";
import type { StatsStoreOps } from "./stats-store.js";
import type { WorkerStoreOps } from "./worker-store.js";
import type { WorkflowStoreOps } from "./workflow-store.js";

/** What a backend can do; the engine branches on these, never on a backend's name. */
export interface StoreCapabilities {
  /** The backend's kind (`"postgres"`, `"sqlite"`, `"turso"`, …); for display only. */
  readonly backendName: string;
  /**
   * How many processes may open one database at a time: `"many"` (PostgreSQL; SQLite, whose processes take turns
   * on the write lock) or `"one"` (Turso locks its file). Crash recovery by another process, `pgqrs demo --crash`
   * and workers in several processes need `"many"`.
   */
  readonly processesPerDatabase: "one" | "many";
  /** The backend can wake idle consumers on enqueue (`listen`). */
  readonly listenNotify: boolean;
  /**
   * Each statement is a network round trip to a server (not a call into this process), so claiming ahead of the
   * handlers pays off: handler loops prefetch by default only when this is true.
   */
  readonly networkRoundTrips: boolean;
}

/** Schema and lifetime of a backend. */
export interface SchemaStoreOps {
  /** Apply pending numbered migrations under a lock; idempotent and safe when two processes run it at once. */
  install(): Promise<void>;
  /** Check tables exist in the configured schema and references are intact; writes nothing. SCHEMA_VALIDATION. */
  verify(): Promise<void>;
  /** Close connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Persistence operations, in groups (one interface each, in its own module); each backend wires every group
 * (`satisfies` the group's interface) under `store/<backend>/`. Semantics are pgqrs's; every backend passes
 * the same conformance suite.
 */
export interface StoreBackend
  extends SchemaStoreOps,
    QueueStoreOps,
    MessageStoreOps,
    WorkerStoreOps,
    StatsStoreOps,
    DashboardReadStoreOps,
    WorkflowStoreOps,
    RunPrimitiveOps,
    RunOperationOps,
    RunQueryOps,
    RetentionStoreOps,
    ScheduleStoreOps,
    MetricsStoreOps {
  readonly capabilities: StoreCapabilities;
}

export type { DashboardReadStoreOps } from "./dashboard-read-store.js";
export type { DeadLetterResult, MessageStoreOps, ProgressParams } from "./message-store.js";
export type { MetricsStoreOps } from "./metrics-store.js";
export type { QueueStoreOps } from "./queue-store.js";
export type { RetentionStoreOps } from "./retention-store.js";
export type { RunOperationOps } from "./run-operations.js";
export type { RunPrimitiveOps } from "./run-primitives.js";
export type { RunQueryOps } from "./run-queries.js";
export type { ScheduleStoreOps } from "./schedule-store.js";
export type { QueueWorkerCounts, StatsStoreOps } from "./stats-store.js";
export type { RegisterWorkerParams, TransitionWorkerParams, WorkerStoreOps } from "./worker-store.js";
export type { WorkflowStoreOps } from "./workflow-store.js";

export type {
  CompletedMinute,
  CompletedPerMinuteParams,
  MetricsTotals,
  QueueMetricsPage,
  QueueMetricsPageParams,
  SearchPageParams,
  WorkerActivity,
} from "./page-reads.js";
export type {
  CompleteRunAndArchiveParams,
  CreateRunParams,
  TransitionRunParams,
  AcquireStepParams,
  FinishStepParams,
  CompleteStepParams,
  FailStepParams,
  ListRunsParams,
} from "./workflow-store.js";
export type {
  ArchiveAndDequeueParams,
  ArchiveAndDequeueResult,
  DequeueParams,
  EnqueueListenParams,
  EnqueueParams,
  ExtendParams,
  ListMessagesParams,
  OwnedIdsParams,
  ReleaseParams,
} from "./message-params.js";
