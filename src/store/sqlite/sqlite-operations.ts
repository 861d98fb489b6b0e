/**
 * The SQLite dialect's statement modules wired into the Store contract's operation groups, once for every engine
 * that speaks it (better-sqlite3 in sqlite-store.ts, Turso in turso-store.ts). Each operation is declared with its
 * kind (`read`, `write` or `ddl`), which the engine's wrapper may use: Turso retries reads and DDL that meet a
 * locked database and never retries a write; SQLite waits in the driver instead and ignores the kind.
 */
import type { DashboardReadStoreOps } from "../dashboard-read-store.js";
import type { MessageStoreOps } from "../message-store.js";
import type { MetricsStoreOps } from "../metrics-store.js";
import type { QueueStoreOps } from "../queue-store.js";
import type { RetentionStoreOps } from "../retention-store.js";
import type { RunOperationOps } from "../run-operations.js";
import type { RunPrimitiveOps } from "../run-primitives.js";
import type { RunQueryOps } from "../run-queries.js";
import type { ScheduleStoreOps } from "../schedule-store.js";
import type { StatsStoreOps } from "../stats-store.js";
import type { SchemaStoreOps, StoreBackend } from "../store.js";
import type { WorkerStoreOps } from "../worker-store.js";
import type { WorkflowStoreOps } from "../workflow-store.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import * as dashboardReads from "./sqlite-dashboard-reads.js";
import * as messageQueries from "./sqlite-message-queries.js";
import * as progress from "./sqlite-message-progress.js";
import * as messages from "./sqlite-messages.js";
import * as metrics from "./sqlite-metrics.js";
import { install } from "./sqlite-migrations.js";
import * as queueSettings from "./sqlite-queue-settings.js";
import * as queues from "./sqlite-queues.js";
import * as retention from "./sqlite-retention.js";
import * as runMessages from "./sqlite-run-messages.js";
import * as runOperations from "./sqlite-run-operations.js";
import * as runPrimitives from "./sqlite-run-primitives.js";
import * as runQueries from "./sqlite-run-queries.js";
import * as schedules from "./sqlite-schedules.js";
import { verify } from "./sqlite-schema.js";
import * as stats from "./sqlite-stats.js";
import * as steps from "./sqlite-steps.js";
import * as workers from "./sqlite-workers.js";
import * as workflows from "./sqlite-workflows.js";
import * as zombies from "./sqlite-zombies.js";

/** How an operation meets another connection's lock: reads and DDL may be retried, writes never. */
export type OpKind = "read" | "write" | "ddl";

/** A statement module's function: synchronous, on one connection. */
export type SqliteOp<A extends unknown[], R> = (c: SqliteConnection, ...args: A) => R;

/** Turns a statement module's function into the contract's async operation (error translation, retries). */
export type WrapOp = <A extends unknown[], R>(
  kind: OpKind,
  name: string,
  fn: SqliteOp<A, R>,
) => (...args: A) => Promise<R>;

/** Statement functions an engine replaces with its own (same signature), e.g. where it reports errors differently. */
export interface SqliteOpOverrides {
  createQueue?: typeof queues.createQueue;
  replayDeadLetter?: typeof messageQueries.replayDeadLetter;
  cancelRunTree?: typeof runPrimitives.cancelRunTree;
}

/** The read and write wrappers of `op`. */
function wrappers(op: WrapOp) {
  return {
    read: <A extends unknown[], R>(name: string, fn: SqliteOp<A, R>) => op("read", name, fn),
    write: <A extends unknown[], R>(name: string, fn: SqliteOp<A, R>) => op("write", name, fn),
  };
}

/** The schema, queues, messages, workers, stats and dashboard reads, each group checked against its interface. */
function queueOperations(op: WrapOp, overrides: SqliteOpOverrides) {
  const { read, write } = wrappers(op);

  const schema = {
    install: op("ddl", "install", install),
    verify: read("verify", verify),
  } satisfies Omit<SchemaStoreOps, "close">;

  const queueOps = {
    createQueue: write("createQueue", overrides.createQueue ?? queues.createQueue),
    updateQueueSettings: write("updateQueueSettings", queueSettings.updateQueueSettings),
    getQueueByName: read("getQueueByName", queues.getQueueByName),
    getQueueById: read("getQueueById", queues.getQueueById),
    listQueues: read("listQueues", queues.listQueues),
    deleteQueue: write("deleteQueue", queues.deleteQueue),
    purgeQueue: write("purgeQueue", queues.purgeQueue),
  } satisfies QueueStoreOps;

  const messageOps = {
    enqueue: write("enqueue", messages.enqueue),
    dequeue: write("dequeue", messages.dequeue),
    archive: write("archive", messages.archive),
    archiveAndDequeue: write("archiveAndDequeue", messages.archiveAndDequeue),
    deleteOwned: write("deleteOwned", messages.deleteOwned),
    extendVisibility: write("extendVisibility", messages.extendVisibility),
    release: write("release", messages.release),
    updateProgress: write("updateProgress", progress.updateProgress),
    releaseWorkerMessages: write("releaseWorkerMessages", messages.releaseWorkerMessages),
    deleteMessages: write("deleteMessages", messageQueries.deleteMessages),
    getMessage: read("getMessage", messageQueries.getMessage),
    getMessages: read("getMessages", messageQueries.getMessages),
    listMessages: read("listMessages", messageQueries.listMessages),
    countMessages: read("countMessages", messageQueries.countMessages),
    deadLetter: write("deadLetter", messageQueries.deadLetter),
    replayDeadLetter: write("replayDeadLetter", overrides.replayDeadLetter ?? messageQueries.replayDeadLetter),
  } satisfies MessageStoreOps;

  const workerOps = {
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
  } satisfies WorkerStoreOps;

  const statsOps = {
    queueMetrics: read("queueMetrics", stats.queueMetrics),
    systemStats: read("systemStats", stats.systemStats),
    workerHealthStats: read("workerHealthStats", stats.workerHealthStats),
    queueWorkerCounts: read("queueWorkerCounts", stats.queueWorkerCounts),
  } satisfies StatsStoreOps;

  const dashboardOps = {
    queueMetricsPage: read("queueMetricsPage", dashboardReads.queueMetricsPage),
    metricsTotals: read("metricsTotals", dashboardReads.metricsTotals),
    completedPerMinute: read("completedPerMinute", dashboardReads.completedPerMinute),
    getQueuesByIds: read("getQueuesByIds", dashboardReads.getQueuesByIds),
    listWorkflowsPage: read("listWorkflowsPage", dashboardReads.listWorkflowsPage),
    getWorkflowsByIds: read("getWorkflowsByIds", dashboardReads.getWorkflowsByIds),
    countRunsByStatus: read("countRunsByStatus", dashboardReads.countRunsByStatus),
    countZombies: read("countZombies", dashboardReads.countZombies),
    workerActivity: read("workerActivity", dashboardReads.workerActivity),
  } satisfies DashboardReadStoreOps;

  return { ...schema, ...queueOps, ...messageOps, ...workerOps, ...statsOps, ...dashboardOps };
}

/** Workflows, runs and their primitives and operations, schedules, retention and metrics, each group checked. */
function workflowOperations(op: WrapOp, overrides: SqliteOpOverrides) {
  const { read, write } = wrappers(op);

  const workflowOps = {
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
  } satisfies WorkflowStoreOps;

  const runPrimitiveOps = {
    beginRunOp: write("beginRunOp", runPrimitives.beginRunOp),
    finishRunOp: write("finishRunOp", runPrimitives.finishRunOp),
    suspendRun: write("suspendRun", runPrimitives.suspendRun),
    wakeRun: write("wakeRun", runPrimitives.wakeRun),
    triggerRun: write("triggerRun", runPrimitives.triggerRun),
    cancelRunTree: write("cancelRunTree", overrides.cancelRunTree ?? runPrimitives.cancelRunTree),
    listChildRuns: read("listChildRuns", runPrimitives.listChildRuns),
    sendRunMessage: write("sendRunMessage", runMessages.sendRunMessage),
    receiveRunMessage: write("receiveRunMessage", runMessages.receiveRunMessage),
    listRunMessages: read("listRunMessages", runMessages.listRunMessages),
    setRunEvent: write("setRunEvent", runMessages.setRunEvent),
    getRunEvent: read("getRunEvent", runMessages.getRunEvent),
    listRunEvents: read("listRunEvents", runMessages.listRunEvents),
  } satisfies RunPrimitiveOps;

  const runOperationOps = {
    retryRun: write("retryRun", runOperations.retryRun),
    resumeRun: write("resumeRun", runOperations.resumeRun),
    forkRun: write("forkRun", runOperations.forkRun),
  } satisfies RunOperationOps;

  const runQueryOps = { listRunsPage: read("listRunsPage", runQueries.listRunsPage) } satisfies RunQueryOps;

  const scheduleOps = {
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
  } satisfies ScheduleStoreOps;

  const retentionOps = {
    setRetention: write("setRetention", retention.setRetention),
    getRetention: read("getRetention", retention.getRetention),
    clearRetention: write("clearRetention", retention.clearRetention),
    retentionBatch: write("retentionBatch", retention.retentionBatch),
  } satisfies RetentionStoreOps;

  const metricsOps = { metricsSnapshot: read("metricsSnapshot", metrics.metricsSnapshot) } satisfies MetricsStoreOps;

  return {
    ...workflowOps,
    ...runPrimitiveOps,
    ...runOperationOps,
    ...runQueryOps,
    ...scheduleOps,
    ...retentionOps,
    ...metricsOps,
  };
}

/** Every operation of the contract but `close`, each group checked against its interface. */
export function sqliteOperations(
  op: WrapOp,
  overrides: SqliteOpOverrides = {},
): Omit<StoreBackend, "capabilities" | "close"> {
  return { ...queueOperations(op, overrides), ...workflowOperations(op, overrides) };
}
