import type { ListMessagesParams, ListRunsParams } from "../store/store.js";
import type {
  Page,
  QueueMessage,
  QueueRecord,
  RunRecord,
  StepRecord,
  WorkerRecord,
  WorkerStatus,
  WorkflowRecord,
} from "../types.js";
import type { EngineContext } from "../workers/engine-context.js";

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
  list(): Promise<QueueRecord[]> {
    return this.backend.listQueues();
  }
  async count(): Promise<number> {
    return (await this.backend.listQueues()).length;
  }
  get(id: number): Promise<QueueRecord | null> {
    return this.backend.getQueueById(id);
  }
  getByName(name: string): Promise<QueueRecord | null> {
    return this.backend.getQueueByName(name);
  }
  async exists(name: string): Promise<boolean> {
    return (await this.backend.getQueueByName(name)) !== null;
  }
}

export class MessageTable extends TableBase {
  /** Messages newest first; default the unarchived ones of every queue. */
  list(params: ListMessagesParams = {}): Promise<QueueMessage[]> {
    return this.backend.listMessages(params);
  }
  /** Count messages; default the unarchived ones of every queue. */
  count(params: Omit<ListMessagesParams, keyof Page> = {}): Promise<number> {
    return this.backend.countMessages(params);
  }
  get(id: number): Promise<QueueMessage | null> {
    return this.backend.getMessage(id);
  }
  getByIds(ids: readonly number[]): Promise<QueueMessage[]> {
    return this.backend.getMessages(ids);
  }
  /** Archived messages of one queue, most recently archived first. */
  listArchivedByQueue(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    return this.backend.listMessages({ ...page, queueId, state: "archived" });
  }
  /** Dead-lettered messages of one queue. */
  listDeadLettered(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    return this.backend.listMessages({ ...page, queueId, state: "dead" });
  }
  /** Unarchived messages of one queue (pgqrs's `filter_by_fk`). */
  filterByQueue(queueId: number, page: Page = {}): Promise<QueueMessage[]> {
    return this.backend.listMessages({ ...page, queueId, state: "active" });
  }
}

export class WorkerTable extends TableBase {
  list(params: { queueId?: number; status?: WorkerStatus } & Page = {}): Promise<WorkerRecord[]> {
    return this.backend.listWorkers(params);
  }
  count(params: { queueId?: number; status?: WorkerStatus } = {}): Promise<number> {
    return this.backend.countWorkers(params);
  }
  get(id: number): Promise<WorkerRecord | null> {
    return this.backend.getWorker(id);
  }
  getByName(name: string): Promise<WorkerRecord | null> {
    return this.backend.getWorkerByName(name);
  }
  /** Workers not stopped whose heartbeat is older than `olderThanMs` milliseconds. */
  listZombies(params: { queueId?: number; olderThanMs: number }): Promise<WorkerRecord[]> {
    const olderThan = new Date(this.ctx.clock.now().getTime() - params.olderThanMs);
    return this.backend.listZombies(
      params.queueId === undefined ? { olderThan } : { queueId: params.queueId, olderThan },
    );
  }
}

export class WorkflowTable extends TableBase {
  list(): Promise<WorkflowRecord[]> {
    return this.backend.listWorkflows();
  }
  async count(): Promise<number> {
    return (await this.backend.listWorkflows()).length;
  }
  get(id: number): Promise<WorkflowRecord | null> {
    return this.backend.getWorkflowById(id);
  }
  getByName(name: string): Promise<WorkflowRecord | null> {
    return this.backend.getWorkflowByName(name);
  }
}

export class RunTable extends TableBase {
  list(params: ListRunsParams = {}): Promise<RunRecord[]> {
    return this.backend.listRuns(params);
  }
  count(params: Omit<ListRunsParams, keyof Page> = {}): Promise<number> {
    return this.backend.countRuns(params);
  }
  get(id: number): Promise<RunRecord | null> {
    return this.backend.getRun(id);
  }
  getByMessageId(messageId: number): Promise<RunRecord | null> {
    return this.backend.getRunByMessageId(messageId);
  }
}

export class StepTable extends TableBase {
  /** Steps of one run in creation order. */
  listForRun(runId: number): Promise<StepRecord[]> {
    return this.backend.listSteps({ runId });
  }
  get(runId: number, stepName: string): Promise<StepRecord | null> {
    return this.backend.getStep({ runId, stepName });
  }
}
