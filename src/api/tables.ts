import type { ListMessagesParams, ListRunsParams } from "../store/store.js";
import type { WorkerFilter } from "../store/worker-filter.js";
import type { Page, QueueMessage, QueueRecord, RunRecord, StepRecord, WorkerRecord, WorkflowRecord } from "../types.js";
import { assertId, assertIds, assertOptionalId, assertPage } from "../validation/arguments.js";
import { assertMilliseconds, cutoffBefore } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { checkMessageFilter, checkRunFilter, checkWorkerFilter } from "./table-filters.js";

/**
 * Read access to the six tables, for tools, dashboards and tests: `pgqrs.tables(store)` or `store.tables()`. Lists
 * of messages, workers and runs are paginated (`limit` default 100, 0 to 100,000; `offset` default 0); queues and
 * workflows are listed whole. Every read rejects with STORE_CLOSED once the store is closed, and a bad id, page or
 * filter with VALIDATION_FAILED naming the argument (nothing is read).
 */
export class Tables {
  readonly #ctx: EngineContext;

  /** Made by `store.tables()` over the store's engine; call that instead. */
  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  /** The queues table (`pgqrs_queues`). */
  queues(): QueueTable {
    return new QueueTable(this.#ctx);
  }

  /** The messages table (`pgqrs_messages`), archived and dead-lettered messages included. */
  messages(): MessageTable {
    return new MessageTable(this.#ctx);
  }

  /** The workers table (`pgqrs_workers`): producers, consumers and admin workers. */
  workers(): WorkerTable {
    return new WorkerTable(this.#ctx);
  }

  /** The workflow definitions table (`pgqrs_workflows`). */
  workflows(): WorkflowTable {
    return new WorkflowTable(this.#ctx);
  }

  /** The workflow runs table (`pgqrs_workflow_runs`). */
  workflowRuns(): RunTable {
    return new RunTable(this.#ctx);
  }

  /** The workflow steps table (`pgqrs_workflow_steps`). */
  workflowSteps(): StepTable {
    return new StepTable(this.#ctx);
  }
}

/** What every table accessor shares: the engine of its store, and its backend while the store is open. */
abstract class TableBase {
  protected readonly ctx: EngineContext;
  /** Made by the {@link Tables} accessors; call those instead. */
  constructor(ctx: EngineContext) {
    this.ctx = ctx;
  }
  protected get backend() {
    this.ctx.assertOpen();
    return this.ctx.backend;
  }
}

/** Reads of the queues table (`tables(store).queues()`). STORE_CLOSED once the store is closed. */
export class QueueTable extends TableBase {
  /** Every queue (workflow queues included) with its settings, newest first; not paginated. */
  async list(): Promise<QueueRecord[]> {
    return this.backend.listQueues();
  }
  /** How many queues exist (workflow queues included). */
  async count(): Promise<number> {
    return (await this.backend.listQueues()).length;
  }
  /** The queue of that id, or `null` when there is none. VALIDATION_FAILED unless `id` is an integer >= 1. */
  async get(id: number): Promise<QueueRecord | null> {
    assertId("id", id);
    return this.backend.getQueueById(id);
  }
  /** The queue of that name, or `null` when there is none. */
  async getByName(name: string): Promise<QueueRecord | null> {
    return this.backend.getQueueByName(name);
  }
  /** True when a queue of that name exists. */
  async exists(name: string): Promise<boolean> {
    return (await this.backend.getQueueByName(name)) !== null;
  }
}

/**
 * Reads of the messages table (`tables(store).messages()`). VALIDATION_FAILED for a bad id, page or filter (`state`
 * one of `"active"`, `"archived"`, `"dead"`, `"all"`); STORE_CLOSED once the store is closed.
 */
export class MessageTable extends TableBase {
  /**
   * One page of messages; default the unarchived (`state: "active"`) ones of every queue. Newest first
   * (`enqueued_at`, then id, descending); archived and dead ones by `archived_at` descending. `limit` defaults to
   * 100, `offset` to 0.
   */
  async list(params: ListMessagesParams = {}): Promise<QueueMessage[]> {
    checkMessageFilter(params);
    assertPage(params);
    return this.backend.listMessages(params);
  }
  /** How many messages match the filter (one statement); default the unarchived ones of every queue. */
  async count(params: Omit<ListMessagesParams, keyof Page> = {}): Promise<number> {
    checkMessageFilter(params);
    return this.backend.countMessages(params);
  }
  /** The message of that id in any state, or `null` when there is none. */
  async get(id: number): Promise<QueueMessage | null> {
    assertId("id", id);
    return this.backend.getMessage(id);
  }
  /** The messages of those ids in any state, ordered by id; missing ids are skipped (an empty array for none). */
  async getByIds(ids: readonly number[]): Promise<QueueMessage[]> {
    assertIds("ids", ids);
    return this.backend.getMessages(ids);
  }
  /**
   * One page of the archived messages (dead-lettered ones included) of queue `queueId`, most recently archived
   * first; `limit` defaults to 100, `offset` to 0. An empty array for an unknown queue.
   */
  async listArchivedByQueue(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("queueId", queueId);
    assertPage(page);
    return this.backend.listMessages({ ...page, queueId, state: "archived" });
  }
  /**
   * One page of the dead-lettered messages of queue `queueId`, most recently dead-lettered first; `limit` defaults
   * to 100, `offset` to 0. An empty array for an unknown queue.
   */
  async listDeadLettered(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("queueId", queueId);
    assertPage(page);
    return this.backend.listMessages({ ...page, queueId, state: "dead" });
  }
  /**
   * One page of the unarchived messages of queue `queueId` (pgqrs's `filter_by_fk`), newest first; `limit`
   * defaults to 100, `offset` to 0. An empty array for an unknown queue.
   */
  async filterByQueue(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("queueId", queueId);
    assertPage(page);
    return this.backend.listMessages({ ...page, queueId, state: "active" });
  }
}

/**
 * Reads of the workers table (`tables(store).workers()`). VALIDATION_FAILED for a bad id, page or filter;
 * STORE_CLOSED once the store is closed.
 */
export class WorkerTable extends TableBase {
  /**
   * One page of workers, newest first (`started_at`, then id, descending), every status by default;
   * `hideStopped` / `hideEphemeral` (default false) leave out stopped and `__ephemeral__` workers. `limit` defaults
   * to 100, `offset` to 0.
   */
  async list(params: WorkerFilter & Page = {}): Promise<WorkerRecord[]> {
    checkWorkerFilter(params);
    assertPage(params);
    return this.backend.listWorkers(params);
  }
  /** How many workers match the filter (one statement); every worker by default. */
  async count(params: WorkerFilter = {}): Promise<number> {
    checkWorkerFilter(params);
    return this.backend.countWorkers(params);
  }
  /** The worker of that id, or `null` when there is none. */
  async get(id: number): Promise<WorkerRecord | null> {
    assertId("id", id);
    return this.backend.getWorker(id);
  }
  /** The worker of that name (names are unique), or `null` when there is none. */
  async getByName(name: string): Promise<WorkerRecord | null> {
    return this.backend.getWorkerByName(name);
  }
  /** Workers not stopped whose heartbeat is older than `olderThanMs` milliseconds. */
  async listZombies(params: { queueId?: number; olderThanMs: number }): Promise<WorkerRecord[]> {
    assertOptionalId("queueId", params.queueId);
    const olderThan = cutoffBefore(this.ctx.clock.now(), assertMilliseconds("olderThanMs", params.olderThanMs));
    return this.backend.listZombies(
      params.queueId === undefined ? { olderThan } : { queueId: params.queueId, olderThan },
    );
  }
}

/** Reads of the workflow definitions table (`tables(store).workflows()`). STORE_CLOSED once the store is closed. */
export class WorkflowTable extends TableBase {
  /** Every workflow definition, newest first; not paginated. */
  async list(): Promise<WorkflowRecord[]> {
    return this.backend.listWorkflows();
  }
  /** How many workflow definitions exist. */
  async count(): Promise<number> {
    return (await this.backend.listWorkflows()).length;
  }
  /** The workflow of that id, or `null` when there is none. VALIDATION_FAILED unless `id` is an integer >= 1. */
  async get(id: number): Promise<WorkflowRecord | null> {
    assertId("id", id);
    return this.backend.getWorkflowById(id);
  }
  /** The workflow of that name, or `null` when there is none. */
  async getByName(name: string): Promise<WorkflowRecord | null> {
    return this.backend.getWorkflowByName(name);
  }
}

/**
 * Reads of the workflow runs table (`tables(store).workflowRuns()`). VALIDATION_FAILED for a bad id, page or filter
 * (`status` one of the workflow statuses); STORE_CLOSED once the store is closed.
 */
export class RunTable extends TableBase {
  /**
   * One page of runs, newest first (`created_at`, then id, descending), optionally of one workflow (`workflowId`)
   * and one `status`; `limit` defaults to 100, `offset` to 0. For cursor paging with more filters see
   * `Admin.listRuns`.
   */
  async list(params: ListRunsParams = {}): Promise<RunRecord[]> {
    checkRunFilter(params);
    assertPage(params);
    return this.backend.listRuns(params);
  }
  /** How many runs match the filter (one statement); every run by default. */
  async count(params: Omit<ListRunsParams, keyof Page> = {}): Promise<number> {
    checkRunFilter(params);
    return this.backend.countRuns(params);
  }
  /** The run of that id, or `null` when there is none. */
  async get(id: number): Promise<RunRecord | null> {
    assertId("id", id);
    return this.backend.getRun(id);
  }
  /** The run triggered by message `messageId`, or `null` when that message has no run. */
  async getByMessageId(messageId: number): Promise<RunRecord | null> {
    assertId("messageId", messageId);
    return this.backend.getRunByMessageId(messageId);
  }
}

/**
 * Reads of the workflow steps table (`tables(store).workflowSteps()`). VALIDATION_FAILED for a bad run id;
 * STORE_CLOSED once the store is closed.
 */
export class StepTable extends TableBase {
  /** Every step of run `runId`, in creation order (not paginated); an empty array for an unknown run. */
  async listForRun(runId: number): Promise<StepRecord[]> {
    assertId("runId", runId);
    return this.backend.listSteps({ runId });
  }
  /** Step `stepName` of run `runId`, or `null` when that run has no such step. */
  async get(runId: number, stepName: string): Promise<StepRecord | null> {
    assertId("runId", runId);
    return this.backend.getStep({ runId, stepName });
  }
}
