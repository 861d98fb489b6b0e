/**
 * Reads whose cost does not grow with the size of the database: one page of queue metrics (most pending first,
 * with a name search), totals over every queue, completions per minute, run counts by status, zombie counts and
 * the activity of a page of workers. Each call is one statement. The dashboard renders every page from these and
 * from the paginated lists of `store.tables()`.
 */
import type { Store } from "./pgqrs-store.js";
import type { CompletedMinute, MetricsTotals, QueueMetricsPage, WorkerActivity } from "../store/store.js";
import type { QueueRecord, WorkflowRecord, WorkflowStatus } from "../types.js";
import { assertCount, assertId, assertIds, MAX_PAGE_LIMIT } from "../validation/arguments.js";

/** A page of a name listing with an optional case-insensitive substring search. */
export interface SearchPage {
  /** Substring of the name, any case (ASCII case folding on SQLite); every row when absent or empty. */
  search?: string;
  /** Rows per page, 0 to 100,000. Default 50. */
  limit?: number;
  /** Rows to skip. Default 0. */
  offset?: number;
}

export class PagedReads {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get #backend() {
    this.#store.context.assertOpen();
    return this.#store.context.backend;
  }

  /** Metrics of one page of queues, most pending first, and how many queues match the search. */
  async queueMetricsPage(p: SearchPage = {}): Promise<QueueMetricsPage> {
    return this.#backend.queueMetricsPage({
      ...page(p),
      now: this.#store.clock.now(),
      maxReadCt: this.#store.config.maxReadCt,
    });
  }

  /** Message counts over every queue, and the number of queues and workflow definitions. */
  async metricsTotals(): Promise<MetricsTotals> {
    return this.#backend.metricsTotals({ now: this.#store.clock.now(), maxReadCt: this.#store.config.maxReadCt });
  }

  /**
   * Messages completed (archived, not dead-lettered) per minute over the last `minutes` minutes (default 60):
   * summed over every queue, or per queue of `queueIds`.
   */
  async completedPerMinute(p: { minutes?: number; queueIds?: readonly number[] } = {}): Promise<CompletedMinute[]> {
    const minutes = assertCount("minutes", p.minutes ?? 60, { min: 1, max: 7 * 24 * 60 });
    const now = this.#store.clock.now().getTime();
    const since = new Date((Math.floor(now / 60_000) - minutes + 1) * 60_000);
    if (p.queueIds === undefined) return this.#backend.completedPerMinute({ since });
    return this.#backend.completedPerMinute({ since, queueIds: assertIds("queueIds", p.queueIds) });
  }

  /** The queues of these ids (missing ones skipped). */
  async queuesByIds(ids: readonly number[]): Promise<QueueRecord[]> {
    return this.#backend.getQueuesByIds(assertIds("ids", ids));
  }

  /** One page of workflow definitions by name, and how many match the search. */
  async workflowsPage(p: SearchPage = {}): Promise<{ rows: WorkflowRecord[]; matching: number }> {
    return this.#backend.listWorkflowsPage(page(p));
  }

  /** The workflow definitions of these ids (missing ones skipped). */
  async workflowsByIds(ids: readonly number[]): Promise<WorkflowRecord[]> {
    return this.#backend.getWorkflowsByIds(assertIds("ids", ids));
  }

  /** Runs per status, of every workflow or of one. */
  async runCountsByStatus(p: { workflowId?: number } = {}): Promise<Record<WorkflowStatus, number>> {
    return this.#backend.countRunsByStatus(
      p.workflowId === undefined ? {} : { workflowId: assertId("workflowId", p.workflowId) },
    );
  }

  /** How many workers `admin.listZombies({ olderThanMs })` would list. */
  async countZombies(p: { olderThanMs: number }): Promise<number> {
    return this.#backend.countZombies({ olderThan: this.#before(p.olderThanMs) });
  }

  /** Held messages and zombie state of each of these workers. */
  async workerActivity(p: { workerIds: readonly number[]; olderThanMs: number }): Promise<WorkerActivity[]> {
    return this.#backend.workerActivity({
      workerIds: assertIds("workerIds", p.workerIds),
      olderThan: this.#before(p.olderThanMs),
    });
  }

  #before(ms: number): Date {
    assertCount("olderThanMs", ms, { max: Number.MAX_SAFE_INTEGER });
    return new Date(this.#store.clock.now().getTime() - ms);
  }
}

function page(p: SearchPage): { search?: string; limit: number; offset: number } {
  const limit = assertCount("limit", p.limit ?? 50, { max: MAX_PAGE_LIMIT });
  const offset = assertCount("offset", p.offset ?? 0, { max: Number.MAX_SAFE_INTEGER });
  return p.search === undefined ? { limit, offset } : { search: p.search, limit, offset };
}
