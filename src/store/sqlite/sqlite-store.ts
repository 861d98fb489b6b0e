/**
 * The SQLite backend: `createSqliteBackend` wires one better-sqlite3 connection to the operations of the
 * other `sqlite-*.ts` modules. The driver is synchronous; every method still returns a Promise, and every
 * failure becomes a rejected {@link PgqrsError}.
 */
import type { StoreBackend } from "../store.js";
import { SQLITE_CAPABILITIES } from "./sqlite-backend.js";
import { SqliteConnection } from "./sqlite-connection.js";
import { translateError } from "./sqlite-errors.js";
import { missingSchemaError } from "./sqlite-missing-schema.js";
import * as dashboardReads from "./sqlite-dashboard-reads.js";
import * as messageQueries from "./sqlite-message-queries.js";
import * as messages from "./sqlite-messages.js";
import * as metrics from "./sqlite-metrics.js";
import { install } from "./sqlite-migrations.js";
import * as queueSettings from "./sqlite-queue-settings.js";
import * as queues from "./sqlite-queues.js";
import * as retention from "./sqlite-retention.js";
import * as runMessages from "./sqlite-run-messages.js";
import * as runPrimitives from "./sqlite-run-primitives.js";
import * as runOperations from "./sqlite-run-operations.js";
import * as runQueries from "./sqlite-run-queries.js";
import * as schedules from "./sqlite-schedules.js";
import { verify } from "./sqlite-schema.js";
import * as stats from "./sqlite-stats.js";
import * as steps from "./sqlite-steps.js";
import * as workers from "./sqlite-workers.js";
import * as workflows from "./sqlite-workflows.js";
import * as zombies from "./sqlite-zombies.js";

export interface SqliteBackendOptions {
  /** Database file path (created if missing; its directory must exist) or `":memory:"`. */
  path: string;
  /** `journal_mode=WAL` when true, `DELETE` otherwise. */
  useWal: boolean;
  /** How long a statement waits for another process's lock before failing with `BUSY`, in milliseconds. */
  busyTimeoutMs: number;
}

type Op<A extends unknown[], R> = (c: SqliteConnection, ...args: A) => R;

export function createSqliteBackend(opts: SqliteBackendOptions): StoreBackend {
  let conn: SqliteConnection;
  try {
    conn = new SqliteConnection(opts);
  } catch (err) {
    throw translateError(err, `open SQLite database '${opts.path}'`);
  }
  // Promise.resolve/reject instead of `async` so a synchronous driver call costs no extra microtask hop.
  function call<A extends unknown[], R>(name: string, op: Op<A, R>): (...args: A) => Promise<R> {
    return (...args: A) => {
      try {
        conn.assertOpen();
        return Promise.resolve(op(conn, ...args));
      } catch (err) {
        return Promise.reject(missingSchemaError(err, name, opts.path) ?? translateError(err, name));
      }
    };
  }

  return {
    capabilities: SQLITE_CAPABILITIES,
    install: call("install", install),
    verify: call("verify", verify),
    close: () => {
      conn.close();
      return Promise.resolve();
    },

    createQueue: call("createQueue", queues.createQueue),
    updateQueueSettings: call("updateQueueSettings", queueSettings.updateQueueSettings),
    getQueueByName: call("getQueueByName", queues.getQueueByName),
    getQueueById: call("getQueueById", queues.getQueueById),
    listQueues: call("listQueues", queues.listQueues),
    deleteQueue: call("deleteQueue", queues.deleteQueue),
    purgeQueue: call("purgeQueue", queues.purgeQueue),

    enqueue: call("enqueue", messages.enqueue),
    dequeue: call("dequeue", messages.dequeue),
    archive: call("archive", messages.archive),
    archiveAndDequeue: call("archiveAndDequeue", messages.archiveAndDequeue),
    deleteOwned: call("deleteOwned", messages.deleteOwned),
    extendVisibility: call("extendVisibility", messages.extendVisibility),
    release: call("release", messages.release),
    releaseWorkerMessages: call("releaseWorkerMessages", messages.releaseWorkerMessages),
    deleteMessages: call("deleteMessages", messageQueries.deleteMessages),
    getMessage: call("getMessage", messageQueries.getMessage),
    getMessages: call("getMessages", messageQueries.getMessages),
    listMessages: call("listMessages", messageQueries.listMessages),
    countMessages: call("countMessages", messageQueries.countMessages),
    deadLetter: call("deadLetter", messageQueries.deadLetter),
    replayDeadLetter: call("replayDeadLetter", messageQueries.replayDeadLetter),

    registerWorker: call("registerWorker", workers.registerWorker),
    transitionWorker: call("transitionWorker", workers.transitionWorker),
    heartbeat: call("heartbeat", workers.heartbeat),
    heartbeatMany: call("heartbeatMany", workers.heartbeatMany),
    getWorker: call("getWorker", workers.getWorker),
    getWorkerByName: call("getWorkerByName", workers.getWorkerByName),
    listWorkers: call("listWorkers", workers.listWorkers),
    countWorkers: call("countWorkers", workers.countWorkers),
    countWorkerReferences: call("countWorkerReferences", workers.countWorkerReferences),
    countHeldMessages: call("countHeldMessages", workers.countHeldMessages),
    deleteWorker: call("deleteWorker", workers.deleteWorker),
    listZombies: call("listZombies", zombies.listZombies),
    reclaimZombies: call("reclaimZombies", zombies.reclaimZombies),
    purgeOldWorkers: call("purgeOldWorkers", zombies.purgeOldWorkers),

    queueMetrics: call("queueMetrics", stats.queueMetrics),
    systemStats: call("systemStats", stats.systemStats),
    workerHealthStats: call("workerHealthStats", stats.workerHealthStats),
    queueWorkerCounts: call("queueWorkerCounts", stats.queueWorkerCounts),

    createWorkflow: call("createWorkflow", workflows.createWorkflow),
    getWorkflowByName: call("getWorkflowByName", workflows.getWorkflowByName),
    getWorkflowById: call("getWorkflowById", workflows.getWorkflowById),
    listWorkflows: call("listWorkflows", workflows.listWorkflows),
    getOrCreateRun: call("getOrCreateRun", workflows.getOrCreateRun),
    startRun: call("startRun", workflows.startRun),
    getRun: call("getRun", workflows.getRun),
    getRunByMessageId: call("getRunByMessageId", workflows.getRunByMessageId),
    listRuns: call("listRuns", workflows.listRuns),
    countRuns: call("countRuns", workflows.countRuns),
    transitionRun: call("transitionRun", workflows.transitionRun),
    completeRunAndArchive: call("completeRunAndArchive", workflows.completeRunAndArchive),
    acquireStep: call("acquireStep", steps.acquireStep),
    acquireStepOfRun: call("acquireStepOfRun", steps.acquireStepOfRun),
    completeStep: call("completeStep", steps.completeStep),
    failStep: call("failStep", steps.failStep),
    getStep: call("getStep", steps.getStep),
    listSteps: call("listSteps", steps.listSteps),
    queueMetricsPage: call("queueMetricsPage", dashboardReads.queueMetricsPage),
    metricsTotals: call("metricsTotals", dashboardReads.metricsTotals),
    completedPerMinute: call("completedPerMinute", dashboardReads.completedPerMinute),
    getQueuesByIds: call("getQueuesByIds", dashboardReads.getQueuesByIds),
    listWorkflowsPage: call("listWorkflowsPage", dashboardReads.listWorkflowsPage),
    getWorkflowsByIds: call("getWorkflowsByIds", dashboardReads.getWorkflowsByIds),
    countRunsByStatus: call("countRunsByStatus", dashboardReads.countRunsByStatus),
    countZombies: call("countZombies", dashboardReads.countZombies),
    workerActivity: call("workerActivity", dashboardReads.workerActivity),

    beginRunOp: call("beginRunOp", runPrimitives.beginRunOp),
    finishRunOp: call("finishRunOp", runPrimitives.finishRunOp),
    suspendRun: call("suspendRun", runPrimitives.suspendRun),
    wakeRun: call("wakeRun", runPrimitives.wakeRun),
    triggerRun: call("triggerRun", runPrimitives.triggerRun),
    cancelRunTree: call("cancelRunTree", runPrimitives.cancelRunTree),
    listChildRuns: call("listChildRuns", runPrimitives.listChildRuns),
    sendRunMessage: call("sendRunMessage", runMessages.sendRunMessage),
    receiveRunMessage: call("receiveRunMessage", runMessages.receiveRunMessage),
    listRunMessages: call("listRunMessages", runMessages.listRunMessages),
    setRunEvent: call("setRunEvent", runMessages.setRunEvent),
    getRunEvent: call("getRunEvent", runMessages.getRunEvent),
    listRunEvents: call("listRunEvents", runMessages.listRunEvents),
    retryRun: call("retryRun", runOperations.retryRun),
    resumeRun: call("resumeRun", runOperations.resumeRun),
    forkRun: call("forkRun", runOperations.forkRun),
    listRunsPage: call("listRunsPage", runQueries.listRunsPage),
    createSchedule: call("createSchedule", schedules.createSchedule),
    updateSchedule: call("updateSchedule", schedules.updateSchedule),
    getSchedule: call("getSchedule", schedules.getSchedule),
    listSchedules: call("listSchedules", schedules.listSchedules),
    countSchedules: call("countSchedules", schedules.countSchedules),
    deleteSchedule: call("deleteSchedule", schedules.deleteSchedule),
    dueSchedules: call("dueSchedules", schedules.dueSchedules),
    fireSchedule: call("fireSchedule", schedules.fireSchedule),
    triggerScheduleNow: call("triggerScheduleNow", schedules.triggerScheduleNow),
    listScheduleTicks: call("listScheduleTicks", schedules.listScheduleTicks),
    setRetention: call("setRetention", retention.setRetention),
    getRetention: call("getRetention", retention.getRetention),
    clearRetention: call("clearRetention", retention.clearRetention),
    retentionBatch: call("retentionBatch", retention.retentionBatch),
    metricsSnapshot: call("metricsSnapshot", metrics.metricsSnapshot),
  };
}
