/**
 * Everything the pages show, read through the library's public API only (Admin and `store.tables()`): no SQL here.
 * Every listing is one page (`limit + 1` rows, so "next" needs no count); the per-queue metrics, the one
 * aggregate that scans messages, are cached for {@link METRICS_TTL_MS} so many open tabs cost one read.
 */
import { type Admin, admin } from "../admin/admin.js";
import type { Store } from "../api/pgqrs-store.js";
import type {
  QueueMessage,
  QueueMetrics,
  QueueRecord,
  RunRecord,
  StepRecord,
  WorkerHealthStats,
  WorkerRecord,
  WorkerStatus,
  WorkflowRecord,
  WorkflowStatus,
} from "../types.js";
import { WORKFLOW_STATUSES } from "../types.js";
import { ThroughputTracker } from "./throughput.js";

export const PAGE_SIZE = 50;
const METRICS_TTL_MS = 1_000;

export type MessageFilter = "active" | "archived" | "dead" | "all";
export const MESSAGE_FILTERS: readonly MessageFilter[] = ["active", "dead", "archived", "all"];

export interface Paged<T> {
  rows: T[];
  page: number;
  hasNext: boolean;
}

export interface Overview {
  now: Date;
  metrics: QueueMetrics[];
  workers: WorkerHealthStats;
  zombies: number;
  runsByStatus: Record<WorkflowStatus, number>;
  workflows: WorkflowRecord[];
}

export interface WorkerRow {
  worker: WorkerRecord;
  queueName: string;
  held: number;
  zombie: boolean;
}

export class DashboardReads {
  readonly store: Store;
  readonly admin: Admin;
  readonly throughput: ThroughputTracker;
  #metrics: { at: number; value: Promise<QueueMetrics[]> } | undefined;

  constructor(store: Store) {
    this.store = store;
    this.admin = admin(store);
    this.throughput = new ThroughputTracker(store);
  }

  now(): Date {
    return this.store.clock.now();
  }

  /** All queues' metrics, shared by requests within a second; feeds the throughput tracker. */
  metrics(): Promise<QueueMetrics[]> {
    const t = Date.now();
    if (this.#metrics === undefined || t - this.#metrics.at > METRICS_TTL_MS) {
      const value = this.admin.allQueuesMetrics().then((m) => {
        // Not awaited: a queue's first sample backfills its last hour, which must not hold up the page.
        this.throughput.observe(m, this.now()).catch(() => undefined);
        return m;
      });
      value.catch(() => {
        this.#metrics = undefined;
      });
      this.#metrics = { at: t, value };
    }
    return this.#metrics.value;
  }

  async overview(): Promise<Overview> {
    const runs = this.store.tables().workflowRuns();
    const [metrics, health, zombies, counts, workflows] = await Promise.all([
      this.metrics(),
      this.admin.workerHealthStats(),
      this.admin.listZombies(),
      Promise.all(WORKFLOW_STATUSES.map((status) => runs.count({ status }))),
      this.store.tables().workflows().list(),
    ]);
    const runsByStatus = Object.fromEntries(WORKFLOW_STATUSES.map((s, i) => [s, counts[i] ?? 0])) as Record<
      WorkflowStatus,
      number
    >;
    const workers = health[0] ?? emptyHealth();
    return { now: this.now(), metrics, workers, zombies: zombies.length, runsByStatus, workflows };
  }

  async queue(id: number): Promise<{ queue: QueueRecord; metrics: QueueMetrics } | null> {
    const queue = await this.store.tables().queues().get(id);
    if (queue === null) return null;
    const all = await this.metrics();
    const metrics = all.find((m) => m.queueId === id) ?? (await this.admin.queueMetrics(queue));
    return { queue, metrics };
  }

  async messages(queueId: number, state: MessageFilter, page: number): Promise<Paged<QueueMessage>> {
    const rows = await this.store
      .tables()
      .messages()
      .list({ queueId, state, limit: PAGE_SIZE + 1, offset: page * PAGE_SIZE });
    return paged(rows, page);
  }

  message(id: number): Promise<QueueMessage | null> {
    return this.store.tables().messages().get(id);
  }

  async queueNames(): Promise<Map<number, string>> {
    const queues = await this.store.tables().queues().list();
    return new Map(queues.map((q) => [q.id, q.queueName]));
  }

  async workers(status: WorkerStatus | undefined, page: number): Promise<Paged<WorkerRow>> {
    const params = { limit: PAGE_SIZE + 1, offset: page * PAGE_SIZE, ...(status === undefined ? {} : { status }) };
    const [list, zombies, names] = await Promise.all([
      this.store.tables().workers().list(params),
      this.admin.listZombies(),
      this.queueNames(),
    ]);
    const result = paged(list, page);
    const zombieIds = new Set(zombies.map((z) => z.id));
    const messages = this.store.tables().messages();
    // One indexed count per worker on the page (at most PAGE_SIZE): the API has no batched "held by" count.
    const held = await Promise.all(result.rows.map((w) => messages.count({ consumerWorkerId: w.id, state: "active" })));
    const rows = result.rows.map((worker, i) => ({
      worker,
      queueName: worker.queueId === null ? "(admin)" : (names.get(worker.queueId) ?? `#${worker.queueId}`),
      held: held[i] ?? 0,
      zombie: zombieIds.has(worker.id),
    }));
    return { rows, page, hasNext: result.hasNext };
  }

  async workerCounts(): Promise<{ health: WorkerHealthStats; zombies: WorkerRecord[] }> {
    const [health, zombies] = await Promise.all([this.admin.workerHealthStats(), this.admin.listZombies()]);
    return { health: health[0] ?? emptyHealth(), zombies };
  }

  async runs(workflowId: number | undefined, status: WorkflowStatus | undefined, page: number) {
    const params = {
      limit: PAGE_SIZE + 1,
      offset: page * PAGE_SIZE,
      ...(workflowId === undefined ? {} : { workflowId }),
      ...(status === undefined ? {} : { status }),
    };
    return paged(await this.store.tables().workflowRuns().list(params), page);
  }

  async runCounts(workflowId: number | undefined): Promise<Record<WorkflowStatus, number>> {
    const runs = this.store.tables().workflowRuns();
    const filter = workflowId === undefined ? {} : { workflowId };
    const counts = await Promise.all(WORKFLOW_STATUSES.map((status) => runs.count({ ...filter, status })));
    return Object.fromEntries(WORKFLOW_STATUSES.map((s, i) => [s, counts[i] ?? 0])) as Record<WorkflowStatus, number>;
  }

  workflows(): Promise<WorkflowRecord[]> {
    return this.store.tables().workflows().list();
  }

  /** A run by run id, else by trigger message id (the search box takes either). */
  async findRun(id: number): Promise<RunRecord | null> {
    const runs = this.store.tables().workflowRuns();
    return (await runs.get(id)) ?? (await runs.getByMessageId(id));
  }

  async run(id: number): Promise<{ run: RunRecord; workflow: WorkflowRecord | null; steps: StepRecord[] } | null> {
    const run = await this.store.tables().workflowRuns().get(id);
    if (run === null) return null;
    const [workflow, steps] = await Promise.all([
      this.store.tables().workflows().get(run.workflowId),
      this.store.tables().workflowSteps().listForRun(run.id),
    ]);
    return { run, workflow, steps };
  }
}

function paged<T>(rows: T[], page: number): Paged<T> {
  return { rows: rows.slice(0, PAGE_SIZE), page, hasNext: rows.length > PAGE_SIZE };
}

function emptyHealth(): WorkerHealthStats {
  return {
    queueName: "Global",
    totalWorkers: 0,
    readyWorkers: 0,
    pollingWorkers: 0,
    interruptedWorkers: 0,
    suspendedWorkers: 0,
    stoppedWorkers: 0,
    staleWorkers: 0,
  };
}
