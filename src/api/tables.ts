import type { ListMessagesParams, ListRunsParams } from "../store/store.js";
import type { WorkerFilter } from "../store/worker-filter.js";
import type { Page, QueueMessage, QueueRecord, RunRecord, StepRecord, WorkerRecord, WorkflowRecord } from "../types.js";
import { assertId, assertIds, assertOptionalId, assertPage } from "../validation/arguments.js";
import { assertMilliseconds, cutoffBefore } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { checkMessageFilter, checkRunFilter, checkWorkerFilter } from "./table-filters.js";

/** Read access to the six tables, for tools, dashboards and tests. Every list is paginated (default 100 rows). */
export class Tables {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  queues(): QueueTable {
    return new QueueTable(this.#ctx);
  }

  messages(): MessageTable {
    return new MessageTable(this.#ctx);
  }

  workers(): WorkerTable {
    return new WorkerTable(this.#ctx);
  }

  workflows(): WorkflowTable {
    return new WorkflowTable(this.#ctx);
  }

  workflowRuns(): RunTable {
    return new RunTable(this.#ctx);
  }

  workflowSteps(): StepTable {
    return new StepTable(this.#ctx);
  }
}

abstract class TableBase {
  protected readonly ctx: EngineContext;
  constructor(ctx: EngineContext) {
    this.ctx = ctx;
  }
  protected get backend() {
    this.ctx.assertOpen();
    return this.ctx.backend;
  }
}

export class QueueTable extends TableBase {
  async list(): Promise<QueueRecord[]> {
    return this.backend.listQueues();
  }
  async count(): Promise<number> {
    return (await this.backend.listQueues()).length;
  }
  async get(id: number): Promise<QueueRecord | null> {
    assertId("id", id);
    return this.backend.getQueueById(id);
  }
  async getByName(name: string): Promise<QueueRecord | null> {
    return this.backend.getQueueByName(name);
  }
  async exists(name: string): Promise<boolean> {
    return (await this.backend.getQueueByName(name)) !== null;
  }
}

export class MessageTable extends TableBase {
  /** Messages newest first; default the unarchived ones of every queue. */
  async list(params: ListMessagesParams = {}): Promise<QueueMessage[]> {
    checkMessageFilter(params);
    assertPage(params);
    return this.backend.listMessages(params);
  }
  /** Count messages; default the unarchived ones of every queue. */
  async count(params: Omit<ListMessagesParams, keyof Page> = {}): Promise<number> {
    checkMessageFilter(params);
    return this.backend.countMessages(params);
  }
  async get(id: number): Promise<QueueMessage | null> {
    assertId("id", id);
    return this.backend.getMessage(id);
  }
  async getByIds(ids: readonly number[]): Promise<QueueMessage[]> {
    assertIds("ids", ids);
    return this.backend.getMessages(ids);
  }
  /** Archived messages of one queue, most recently archived first. */
  async listArchivedByQueue(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("queueId", queueId);
    assertPage(page);
    return this.backend.listMessages({ ...page, queueId, state: "archived" });
  }
  /** Dead-lettered messages of one queue. */
  async listDeadLettered(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("queueId", queueId);
    assertPage(page);
    return this.backend.listMessages({ ...page, queueId, state: "dead" });
  }
  /** Unarchived messages of one queue (pgqrs's `filter_by_fk`). */
  async filterByQueue(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("queueId", queueId);
    assertPage(page);
    return this.backend.listMessages({ ...page, queueId, state: "active" });
  }
}

export class WorkerTable extends TableBase {
  /** Newest first; `hideStopped` / `hideEphemeral` leave out stopped and `__ephemeral__` workers. */
  async list(params: WorkerFilter & Page = {}): Promise<WorkerRecord[]> {
    checkWorkerFilter(params);
    assertPage(params);
    return this.backend.listWorkers(params);
  }
  async count(params: WorkerFilter = {}): Promise<number> {
    checkWorkerFilter(params);
    return this.backend.countWorkers(params);
  }
  async get(id: number): Promise<WorkerRecord | null> {
    assertId("id", id);
    return this.backend.getWorker(id);
  }
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

export class WorkflowTable extends TableBase {
  async list(): Promise<WorkflowRecord[]> {
    return this.backend.listWorkflows();
  }
  async count(): Promise<number> {
    return (await this.backend.listWorkflows()).length;
  }
  async get(id: number): Promise<WorkflowRecord | null> {
    assertId("id", id);
    return this.backend.getWorkflowById(id);
  }
  async getByName(name: string): Promise<WorkflowRecord | null> {
    return this.backend.getWorkflowByName(name);
  }
}

export class RunTable extends TableBase {
  async list(params: ListRunsParams = {}): Promise<RunRecord[]> {
    checkRunFilter(params);
    assertPage(params);
    return this.backend.listRuns(params);
  }
  async count(params: Omit<ListRunsParams, keyof Page> = {}): Promise<number> {
    checkRunFilter(params);
    return this.backend.countRuns(params);
  }
  async get(id: number): Promise<RunRecord | null> {
    assertId("id", id);
    return this.backend.getRun(id);
  }
  async getByMessageId(messageId: number): Promise<RunRecord | null> {
    assertId("messageId", messageId);
    return this.backend.getRunByMessageId(messageId);
  }
}

export class StepTable extends TableBase {
  /** Steps of one run in creation order. */
  async listForRun(runId: number): Promise<StepRecord[]> {
    assertId("runId", runId);
    return this.backend.listSteps({ runId });
  }
  async get(runId: number, stepName: string): Promise<StepRecord | null> {
    assertId("runId", runId);
    return this.backend.getStep({ runId, stepName });
  }
}
