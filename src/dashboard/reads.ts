/**
 * Everything the pages show, read through the library's API only (Admin, `store.tables()` and {@link PagedReads}):
 * no SQL here. Every listing is one page, so no page's size or number of reads grows with the number of queues,
 * workers, runs or messages: lists are `limit + 1` rows ("next" needs no count), counts are one aggregate each,
 * and names shown beside rows are looked up for that page's ids only. The aggregates that scan messages are shared
 * for {@link CACHE_TTL_MS} so many open tabs cost one read.
 */
import { type Admin, admin } from "../admin/admin.js";
import type { RunSummary } from "../admin/run-queries.js";
import { PgqrsError } from "../errors.js";
import { PagedReads } from "../api/paged-reads.js";
import type { Store } from "../api/pgqrs-store.js";
import type { RunEventRecord, RunMessageRecord } from "../store/run-primitives.js";
import type { MetricsTotals } from "../store/store.js";
import type { WorkerFilter } from "../store/worker-filter.js";
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
import { ShortCache } from "./short-cache.js";
import { seriesOf, type ThroughputSeries } from "./throughput.js";

export const PAGE_SIZE = 50;
/** Queues per overview page (most pending first). */
export const OVERVIEW_QUEUES = 25;
/** Workflow definitions per workflows page. */
export const DEFINITIONS_PAGE = 20;
const CACHE_TTL_MS = 1_000;

export type MessageFilter = "active" | "archived" | "dead" | "all";
export const MESSAGE_FILTERS: readonly MessageFilter[] = ["active", "dead", "archived", "all"];

/** A page of runs: `cursor` is the one it was read after (absent: the newest), `nextCursor` the next page's. */
export interface RunsPage {
  rows: RunSummary[];
  cursor: string | undefined;
  nextCursor: string | null;
}

export interface Paged<T> {
  rows: T[];
  page: number;
  hasNext: boolean;
}

/** A page of a searchable listing: `matching` rows in all. */
export interface Searched<T> extends Paged<T> {
  matching: number;
  search: string | undefined;
}

export interface Overview {
  now: Date;
  totals: MetricsTotals;
  queues: Searched<QueueMetrics>;
  throughput: ThroughputSeries;
  /** Sparklines of the queues on the page. */
  queueThroughput: Map<number, ThroughputSeries>;
  workers: WorkerHealthStats;
  zombies: number;
  runsByStatus: Record<WorkflowStatus, number>;
}

/** What the run page shows. */
export interface RunDetail {
  run: RunRecord;
  workflow: WorkflowRecord | null;
  steps: StepRecord[];
  messages: RunMessageRecord[];
  events: RunEventRecord[];
  children: RunRecord[];
  childNames: Map<number, string>;
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
  readonly paged: PagedReads;
  readonly #cache = new ShortCache(CACHE_TTL_MS);

  constructor(store: Store) {
    this.store = store;
    this.admin = admin(store);
    this.paged = new PagedReads(store);
  }

  now(): Date {
    return this.store.clock.now();
  }

  async overview(search: string | undefined, page: number): Promise<Overview> {
    const now = this.now();
    const [totals, queuePage, completed, health, zombies, runsByStatus] = await Promise.all([
      this.#cache.get("totals", () => this.paged.metricsTotals()),
      this.#cache.get(`queues:${page}:${search ?? ""}`, () =>
        this.paged.queueMetricsPage({
          limit: OVERVIEW_QUEUES + 1,
          offset: page * OVERVIEW_QUEUES,
          ...(search === undefined ? {} : { search }),
        }),
      ),
      this.#cache.get("completed", () => this.paged.completedPerMinute()),
      this.admin.workerHealthStats(),
      this.zombieCount(),
      this.paged.runCountsByStatus(),
    ]);
    const rows = queuePage.rows.slice(0, OVERVIEW_QUEUES);
    const ids = rows.map((m) => m.queueId);
    const perQueue =
      ids.length === 0
        ? []
        : await this.#cache.get(`completed:${ids.join(",")}`, () => this.paged.completedPerMinute({ queueIds: ids }));
    return {
      now,
      totals,
      queues: { rows, page, hasNext: queuePage.rows.length > OVERVIEW_QUEUES, matching: queuePage.matching, search },
      throughput: seriesOf(completed, now),
      queueThroughput: new Map(ids.map((id) => [id, seriesOf(perQueue, now, id)])),
      workers: health[0] ?? emptyHealth(),
      zombies,
      runsByStatus,
    };
  }

  async queue(id: number): Promise<{ queue: QueueRecord; metrics: QueueMetrics } | null> {
    const queue = await this.store.tables().queues().get(id);
    if (queue === null) return null;
    return { queue, metrics: await this.admin.queueMetrics(queue) };
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

  /** Names of these queues (a page's worth of ids). */
  async queueNames(ids: readonly number[]): Promise<Map<number, string>> {
    const queues = await this.paged.queuesByIds([...new Set(ids)]);
    return new Map(queues.map((q) => [q.id, q.queueName]));
  }

  /** One page of workers; unless `all`, without ephemeral and (unless `status` asks for them) stopped ones. */
  async workers(status: WorkerStatus | undefined, page: number, all = false): Promise<Paged<WorkerRow>> {
    const params = { limit: PAGE_SIZE + 1, offset: page * PAGE_SIZE, ...workerScope(status, all) };
    const result = paged(await this.store.tables().workers().list(params), page);
    const workerIds = result.rows.map((w) => w.id);
    const queueIds = result.rows.map((w) => w.queueId).filter((q): q is number => q !== null);
    const [activity, names] = await Promise.all([
      this.paged.workerActivity({ workerIds, olderThanMs: this.admin.defaultZombieThresholdMs() }),
      this.queueNames(queueIds),
    ]);
    const byId = new Map(activity.map((a) => [a.workerId, a]));
    const rows = result.rows.map((worker) => ({
      worker,
      queueName: worker.queueId === null ? "(admin)" : (names.get(worker.queueId) ?? `#${worker.queueId}`),
      held: byId.get(worker.id)?.heldMessages ?? 0,
      zombie: byId.get(worker.id)?.zombie ?? false,
    }));
    return { rows, page, hasNext: result.hasNext };
  }

  /** How many workers of `status` (any) the tidy list leaves out: stopped and ephemeral ones. */
  async hiddenWorkers(status: WorkerStatus | undefined): Promise<number> {
    const workers = this.store.tables().workers();
    const [every, shown] = await Promise.all([
      workers.count(workerScope(status, true)),
      workers.count(workerScope(status, false)),
    ]);
    return every - shown;
  }

  zombieCount(): Promise<number> {
    return this.paged.countZombies({ olderThanMs: this.admin.defaultZombieThresholdMs() });
  }

  async workerCounts(): Promise<{ health: WorkerHealthStats; zombies: number }> {
    const [health, zombies] = await Promise.all([this.admin.workerHealthStats(), this.zombieCount()]);
    return { health: health[0] ?? emptyHealth(), zombies };
  }

  /**
   * One page of runs (`admin.listRuns`), newest first, after `cursor` (absent: the newest). A workflow id that names
   * no definition, or a cursor that is not one listRuns wrote, shows no runs.
   */
  async runs(
    workflowId: number | undefined,
    status: WorkflowStatus | undefined,
    cursor: string | undefined,
  ): Promise<RunsPage> {
    const empty: RunsPage = { rows: [], cursor, nextCursor: null };
    const wf = workflowId === undefined ? undefined : await this.store.tables().workflows().get(workflowId);
    if (wf === null) return empty;
    try {
      const page = await this.admin.listRuns({
        limit: PAGE_SIZE,
        ...(wf === undefined ? {} : { workflow: wf.name }),
        ...(status === undefined ? {} : { status }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { rows: page.runs, cursor, nextCursor: page.nextCursor };
    } catch (err) {
      if (err instanceof PgqrsError && err.code === "VALIDATION_FAILED") return empty;
      throw err;
    }
  }

  runCounts(workflowId: number | undefined): Promise<Record<WorkflowStatus, number>> {
    return this.paged.runCountsByStatus(workflowId === undefined ? {} : { workflowId });
  }

  /** One page of definitions by name, with the names of their queues. */
  async definitions(
    search: string | undefined,
    page: number,
  ): Promise<{ list: Searched<WorkflowRecord>; queueOf: Map<number, string> }> {
    const found = await this.paged.workflowsPage({
      limit: DEFINITIONS_PAGE + 1,
      offset: page * DEFINITIONS_PAGE,
      ...(search === undefined ? {} : { search }),
    });
    const rows = found.rows.slice(0, DEFINITIONS_PAGE);
    const queueOf = await this.queueNames(rows.map((w) => w.queueId));
    const hasNext = found.rows.length > DEFINITIONS_PAGE;
    return { list: { rows, page, hasNext, matching: found.matching, search }, queueOf };
  }

  /** Definitions of these ids (the workflows of a page of runs). */
  async workflowNames(ids: readonly number[]): Promise<Map<number, string>> {
    const found = await this.paged.workflowsByIds([...new Set(ids)]);
    return new Map(found.map((w) => [w.id, w.name]));
  }

  /** A run by run id, else by trigger message id (the search box takes either). */
  async findRun(id: number): Promise<RunRecord | null> {
    const runs = this.store.tables().workflowRuns();
    return (await runs.get(id)) ?? (await runs.getByMessageId(id));
  }

  /** A run with its steps, messages, events and child runs (and the names of the children's workflows). */
  async run(id: number): Promise<RunDetail | null> {
    const run = await this.store.tables().workflowRuns().get(id);
    if (run === null) return null;
    const [workflow, steps, messages, events, children] = await Promise.all([
      this.store.tables().workflows().get(run.workflowId),
      this.store.tables().workflowSteps().listForRun(run.id),
      this.admin.runMessages(run.id),
      this.admin.runEvents(run.id),
      this.admin.childRuns(run.id),
    ]);
    const childNames =
      children.length === 0 ? new Map<number, string>() : await this.workflowNames(children.map((c) => c.workflowId));
    return { run, workflow, steps, messages, events, children, childNames };
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

/** The Workers page's filter: a status, and unless `all`, no ephemeral workers and (without a status) no stopped. */
function workerScope(status: WorkerStatus | undefined, all: boolean): WorkerFilter {
  if (status !== undefined) return all ? { status } : { status, hideEphemeral: true };
  return all ? {} : { hideStopped: true, hideEphemeral: true };
}
