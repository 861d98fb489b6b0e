/**
 * The Turso backend: `createTursoBackend` runs the SQLite backend's statement modules on one Turso connection
 * (`@tursodatabase/database`, the engine pgqrs's Turso backend uses). Turso speaks SQLite's SQL and file format,
 * so only what differs lives here: the connection, error recognition (turso-errors.ts), pgqrs's lock-retry rule
 * for reads and schema changes (turso-lock-retry.ts) and the two operations that recognise a unique violation.
 * A Turso file serves one process (the engine locks it), which the capabilities say.
 */
import type { StoreBackend } from "../store.js";
import { TURSO_CAPABILITIES } from "./turso-backend.js";
import type { SqliteConnection } from "../sqlite/sqlite-connection.js";
import * as dashboardReads from "../sqlite/sqlite-dashboard-reads.js";
import * as messageQueries from "../sqlite/sqlite-message-queries.js";
import * as messages from "../sqlite/sqlite-messages.js";
import * as metrics from "../sqlite/sqlite-metrics.js";
import { install } from "../sqlite/sqlite-migrations.js";
import * as queueSettings from "../sqlite/sqlite-queue-settings.js";
import * as queues from "../sqlite/sqlite-queues.js";
import * as retention from "../sqlite/sqlite-retention.js";
import * as runMessages from "../sqlite/sqlite-run-messages.js";
import * as runOperations from "../sqlite/sqlite-run-operations.js";
import * as runPrimitives from "../sqlite/sqlite-run-primitives.js";
import * as runQueries from "../sqlite/sqlite-run-queries.js";
import * as schedules from "../sqlite/sqlite-schedules.js";
import { verify } from "../sqlite/sqlite-schema.js";
import * as stats from "../sqlite/sqlite-stats.js";
import * as steps from "../sqlite/sqlite-steps.js";
import * as workers from "../sqlite/sqlite-workers.js";
import * as workflows from "../sqlite/sqlite-workflows.js";
import * as zombies from "../sqlite/sqlite-zombies.js";
import { TursoConnection } from "./turso-connection.js";
import { isLocked, translateTursoError, tursoMissingSchemaError } from "./turso-errors.js";
import { type LockRetryPolicy, PGQRS_LOCK_RETRY, retryWhileLocked } from "./turso-lock-retry.js";
import { replayDeadLetter } from "./turso-message-queries.js";
import { createQueue } from "./turso-queues.js";
import { cancelRunTree } from "./turso-run-primitives.js";

export interface TursoBackendOptions {
  /** Database file path (created if missing; its directory must exist). */
  path: string;
  /**
   * How long a statement waits in the engine for another connection's lock, in milliseconds. Default 0: the wait
   * would block this process's event loop, where the lock's holder runs; reads and schema changes are retried
   * asynchronously instead ({@link lockRetry}).
   */
  busyTimeoutMs?: number;
  /** Retries of reads and schema changes that met `database is locked`. Default pgqrs's (10 retries, 50 ms → 5 s). */
  lockRetry?: LockRetryPolicy;
}

type Op<A extends unknown[], R> = (c: SqliteConnection, ...args: A) => R;

/** How an operation meets a locked database: reads and DDL are retried, writes are not. */
type OpKind = "read" | "ddl" | "write";

export function createTursoBackend(opts: TursoBackendOptions): StoreBackend {
  let conn: TursoConnection;
  try {
    conn = new TursoConnection({ path: opts.path, busyTimeoutMs: opts.busyTimeoutMs ?? 0 });
  } catch (err) {
    throw translateTursoError(err, `open Turso database '${opts.path}'`);
  }
  const policy = opts.lockRetry ?? PGQRS_LOCK_RETRY;
  // The SQLite statement modules take a SqliteConnection; TursoConnection has every member they call
  // (`implements SqliteStatementHost`), and the class's private fields are all that keep TypeScript from seeing it.
  const c = conn as unknown as SqliteConnection;
  const fail = (err: unknown, name: string): Promise<never> =>
    Promise.reject(tursoMissingSchemaError(err, name, opts.path) ?? translateTursoError(err, name));

  function op<A extends unknown[], R>(kind: OpKind, name: string, fn: Op<A, R>): (...args: A) => Promise<R> {
    return (...args: A) => {
      const attempt = (): R => {
        conn.assertOpen();
        return kind === "read" ? conn.readOnly(() => fn(c, ...args)) : fn(c, ...args);
      };
      try {
        return Promise.resolve(attempt());
      } catch (err) {
        if (kind === "write" || !isLocked(err)) return fail(err, name);
        return retryWhileLocked(policy, attempt, isLocked, err).catch((last: unknown) => fail(last, name));
      }
    };
  }
  const read = <A extends unknown[], R>(name: string, fn: Op<A, R>) => op("read", name, fn);
  const write = <A extends unknown[], R>(name: string, fn: Op<A, R>) => op("write", name, fn);

  return {
    capabilities: TURSO_CAPABILITIES,
    install: op("ddl", "install", install),
    verify: read("verify", verify),
    close: () => {
      conn.close();
      return Promise.resolve();
    },

    createQueue: write("createQueue", createQueue),
    updateQueueSettings: write("updateQueueSettings", queueSettings.updateQueueSettings),
    getQueueByName: read("getQueueByName", queues.getQueueByName),
    getQueueById: read("getQueueById", queues.getQueueById),
    listQueues: read("listQueues", queues.listQueues),
    deleteQueue: write("deleteQueue", queues.deleteQueue),
    purgeQueue: write("purgeQueue", queues.purgeQueue),

    enqueue: write("enqueue", messages.enqueue),
    dequeue: write("dequeue", messages.dequeue),
    archive: write("archive", messages.archive),
    archiveAndDequeue: write("archiveAndDequeue", messages.archiveAndDequeue),
    deleteOwned: write("deleteOwned", messages.deleteOwned),
    extendVisibility: write("extendVisibility", messages.extendVisibility),
    release: write("release", messages.release),
    releaseWorkerMessages: write("releaseWorkerMessages", messages.releaseWorkerMessages),
    deleteMessages: write("deleteMessages", messageQueries.deleteMessages),
    getMessage: read("getMessage", messageQueries.getMessage),
    getMessages: read("getMessages", messageQueries.getMessages),
    listMessages: read("listMessages", messageQueries.listMessages),
    countMessages: read("countMessages", messageQueries.countMessages),
    deadLetter: write("deadLetter", messageQueries.deadLetter),
    replayDeadLetter: write("replayDeadLetter", replayDeadLetter),

    registerWorker: write("registerWorker", workers.registerWorker),
    transitionWorker: write("transitionWorker", workers.transitionWorker),
    heartbeat: write("heartbeat", workers.heartbeat),
    heartbeatMany: write("heartbeatMany", workers.heartbeatMany),
    getWorker: read("getWorker", workers.getWorker),
    getWorkerByName: read("getWorkerByName", workers.getWorkerByName),
    listWorkers: read("listWorkers", workers.listWorkers),
    countWorkers: read("countWorkers", workers.countWorkers),
    countWorkerReferences: read("countWorkerReferences", workers.countWorkerReferences),
    countHeldMessages: read("countHeldMessages", workers.countHeldMessages),
    deleteWorker: write("deleteWorker", workers.deleteWorker),
    listZombies: read("listZombies", zombies.listZombies),
    reclaimZombies: write("reclaimZombies", zombies.reclaimZombies),
    purgeOldWorkers: write("purgeOldWorkers", zombies.purgeOldWorkers),

    queueMetrics: read("queueMetrics", stats.queueMetrics),
    systemStats: read("systemStats", stats.systemStats),
    workerHealthStats: read("workerHealthStats", stats.workerHealthStats),
    queueWorkerCounts: read("queueWorkerCounts", stats.queueWorkerCounts),

    createWorkflow: write("createWorkflow", workflows.createWorkflow),
    getWorkflowByName: read("getWorkflowByName", workflows.getWorkflowByName),
    getWorkflowById: read("getWorkflowById", workflows.getWorkflowById),
    listWorkflows: read("listWorkflows", workflows.listWorkflows),
    getOrCreateRun: write("getOrCreateRun", workflows.getOrCreateRun),
    startRun: write("startRun", workflows.startRun),
    getRun: read("getRun", workflows.getRun),
    getRunByMessageId: read("getRunByMessageId", workflows.getRunByMessageId),
    listRuns: read("listRuns", workflows.listRuns),
    countRuns: read("countRuns", workflows.countRuns),
    transitionRun: write("transitionRun", workflows.transitionRun),
    completeRunAndArchive: write("completeRunAndArchive", workflows.completeRunAndArchive),
    acquireStep: write("acquireStep", steps.acquireStep),
    acquireStepOfRun: write("acquireStepOfRun", steps.acquireStepOfRun),
    completeStep: write("completeStep", steps.completeStep),
    failStep: write("failStep", steps.failStep),
    getStep: read("getStep", steps.getStep),
    listSteps: read("listSteps", steps.listSteps),
    queueMetricsPage: read("queueMetricsPage", dashboardReads.queueMetricsPage),
    metricsTotals: read("metricsTotals", dashboardReads.metricsTotals),
    completedPerMinute: read("completedPerMinute", dashboardReads.completedPerMinute),
    getQueuesByIds: read("getQueuesByIds", dashboardReads.getQueuesByIds),
    listWorkflowsPage: read("listWorkflowsPage", dashboardReads.listWorkflowsPage),
    getWorkflowsByIds: read("getWorkflowsByIds", dashboardReads.getWorkflowsByIds),
    countRunsByStatus: read("countRunsByStatus", dashboardReads.countRunsByStatus),
    countZombies: read("countZombies", dashboardReads.countZombies),
    workerActivity: read("workerActivity", dashboardReads.workerActivity),

    beginRunOp: write("beginRunOp", runPrimitives.beginRunOp),
    finishRunOp: write("finishRunOp", runPrimitives.finishRunOp),
    suspendRun: write("suspendRun", runPrimitives.suspendRun),
    wakeRun: write("wakeRun", runPrimitives.wakeRun),
    triggerRun: write("triggerRun", runPrimitives.triggerRun),
    cancelRunTree: write("cancelRunTree", cancelRunTree),
    listChildRuns: read("listChildRuns", runPrimitives.listChildRuns),
    sendRunMessage: write("sendRunMessage", runMessages.sendRunMessage),
    receiveRunMessage: write("receiveRunMessage", runMessages.receiveRunMessage),
    listRunMessages: read("listRunMessages", runMessages.listRunMessages),
    setRunEvent: write("setRunEvent", runMessages.setRunEvent),
    getRunEvent: read("getRunEvent", runMessages.getRunEvent),
    listRunEvents: read("listRunEvents", runMessages.listRunEvents),
    retryRun: write("retryRun", runOperations.retryRun),
    resumeRun: write("resumeRun", runOperations.resumeRun),
    forkRun: write("forkRun", runOperations.forkRun),
    listRunsPage: read("listRunsPage", runQueries.listRunsPage),
    createSchedule: write("createSchedule", schedules.createSchedule),
    updateSchedule: write("updateSchedule", schedules.updateSchedule),
    getSchedule: read("getSchedule", schedules.getSchedule),
    listSchedules: read("listSchedules", schedules.listSchedules),
    countSchedules: read("countSchedules", schedules.countSchedules),
    deleteSchedule: write("deleteSchedule", schedules.deleteSchedule),
    dueSchedules: read("dueSchedules", schedules.dueSchedules),
    fireSchedule: write("fireSchedule", schedules.fireSchedule),
    triggerScheduleNow: write("triggerScheduleNow", schedules.triggerScheduleNow),
    listScheduleTicks: read("listScheduleTicks", schedules.listScheduleTicks),
    setRetention: write("setRetention", retention.setRetention),
    getRetention: read("getRetention", retention.getRetention),
    clearRetention: write("clearRetention", retention.clearRetention),
    retentionBatch: write("retentionBatch", retention.retentionBatch),
    metricsSnapshot: read("metricsSnapshot", metrics.metricsSnapshot),
  };
}
