/** The schema and the queues part of `Admin`: install and verify, queue settings and deletion, queue metrics. */
import type { QueueSettingsOptions, CreateQueueOptions } from "../queue-controls-types.js";
import { maxAttemptsOf } from "../queue/retry-backoff.js";
import { applyRetentionSetting } from "../retention/retention-setting.js";
import type { QueueMetrics, QueueRecord, SystemStats } from "../types.js";
import { queueNotFound } from "../validation/names.js";
import { assertQueueSettings } from "../validation/queue-settings.js";
import { AdminBase, openBackend } from "./admin-base.js";
import { type QueueRef, resolveQueue } from "./queue-ref.js";

/** Schema and queue administration of one store. */
export class AdminQueues extends AdminBase {
  get #backend() {
    return openBackend(this.store);
  }

  #now(): Date {
    return this.store.clock.now();
  }

  /** Apply pending migrations (creates the Postgres schema if missing). Idempotent; safe from two processes. */
  async install(): Promise<void> {
    await this.#backend.install();
  }

  /** pgqrs's name for {@link install}. */
  async bootstrap(): Promise<void> {
    await this.install();
  }

  /** Check the schema is installed and intact. SCHEMA_VALIDATION otherwise; writes nothing. */
  async verify(): Promise<void> {
    await this.#backend.verify();
  }

  /**
   * Create a queue with its settings (retry policy, concurrency limit, rate limit; see {@link CreateQueueOptions}).
   * QUEUE_ALREADY_EXISTS when the name is taken, unless `ifNotExists: true` (then the existing queue, its settings
   * unchanged). VALIDATION_FAILED naming the field for a bad setting, nothing written.
   */
  async createQueue(name: string, options?: CreateQueueOptions): Promise<QueueRecord> {
    return this.store.queue(name, options);
  }

  /**
   * Change a queue's settings: a field left out keeps its value, `null` clears it (retry back to the defaults, no
   * limit). Loops of other processes pick the change up within their maintenance period (a few seconds); until
   * then a limit just set makes their claims take nothing, never more than the limit. QUEUE_NOT_FOUND,
   * VALIDATION_FAILED naming the field (nothing written).
   */
  async updateQueue(queue: QueueRef, settings: QueueSettingsOptions): Promise<QueueRecord> {
    const checked = assertQueueSettings(settings);
    const q = await resolveQueue(this.store, queue);
    const now = this.#now();
    // Retention alone changes no setting: no write to the settings row.
    const updated =
      Object.keys(checked).length === 0 && settings.retention !== undefined
        ? q
        : await this.#backend.updateQueueSettings({ queueId: q.id, settings: checked, now });
    if (updated === null) throw queueNotFound(q.queueName);
    if (settings.retention !== undefined) await applyRetentionSetting(this.#backend, q.id, settings.retention, now);
    return updated;
  }

  /** The queue named `name`. QUEUE_NOT_FOUND when missing; VALIDATION_FAILED for an empty name; STORE_CLOSED. */
  async getQueue(name: string): Promise<QueueRecord> {
    return this.store.getQueue(name);
  }

  /** Every queue (workflow queues included), newest first; not paginated. STORE_CLOSED once the store is closed. */
  async listQueues(): Promise<QueueRecord[]> {
    return this.#backend.listQueues();
  }

  /**
   * Delete an empty queue (with its workflow definition, if any). Refused (VALIDATION_FAILED) while live workers
   * are assigned or messages exist: purge first.
   */
  async deleteQueue(queue: QueueRef): Promise<void> {
    const q = await resolveQueue(this.store, queue);
    await this.#backend.deleteQueue({ queueId: q.id, queueName: q.queueName });
    // Deleting a queue deletes the workflow it serves, and its stopped workers (this store's ephemeral ones too).
    this.store.markWorkflow(q.queueName, false);
    this.store.forgetEphemeralWorkers(q.queueName);
  }

  /**
   * {@link deleteQueue} by name (pgqrs's `delete_queue_by_name`): the same refusals (VALIDATION_FAILED while live
   * workers are assigned or messages exist, nothing deleted), QUEUE_NOT_FOUND when no queue has that name.
   */
  async deleteQueueByName(name: string): Promise<void> {
    await this.deleteQueue(name);
  }

  /** Delete every message of the queue (with workflow runs and steps) and its workers, in one transaction. */
  async purgeQueue(queue: QueueRef): Promise<void> {
    const q = await resolveQueue(this.store, queue);
    await this.#backend.purgeQueue({ queueId: q.id });
    this.store.forgetEphemeralWorkers(q.queueName);
  }

  /**
   * Message counts of one queue, derived at the store clock's now in one statement (see {@link QueueMetrics}):
   * `pending` counts messages visible now, unleased and below the queue's attempt limit (`retry.maxAttempts`, else
   * the store's `maxReadCt`, default 5); `oldestPendingAgeMs` is in milliseconds. QUEUE_NOT_FOUND; VALIDATION_FAILED
   * for an empty name; STORE_CLOSED.
   */
  async queueMetrics(queue: QueueRef): Promise<QueueMetrics> {
    const q = await resolveQueue(this.store, queue);
    // Pending means claimable: below the queue's own attempt limit.
    const [m] = await this.#backend.queueMetrics({
      queueId: q.id,
      now: this.#now(),
      maxReadCt: maxAttemptsOf(q, this.store.config.maxReadCt),
    });
    if (m === undefined) throw queueNotFound(q.queueName);
    return m;
  }

  /**
   * {@link queueMetrics} of every queue, ordered by queue name, in one statement. `pending` is counted against the
   * store's `maxReadCt` (default 5) for every queue, not each queue's `retry.maxAttempts`: ask {@link queueMetrics}
   * for one queue's own limit. An empty array when there are no queues. STORE_CLOSED.
   */
  async allQueuesMetrics(): Promise<QueueMetrics[]> {
    return this.#backend.queueMetrics({ now: this.#now(), maxReadCt: this.store.config.maxReadCt });
  }

  /**
   * Store-wide totals in one statement (see {@link SystemStats}): queues, workers (`activeWorkers`: ready or
   * polling), unarchived messages by state (pending against the store's `maxReadCt`, default 5), archived and
   * dead-lettered messages, workflows, runs, and `schemaVersion`, the highest applied migration number as a string.
   * STORE_CLOSED.
   */
  async systemStats(): Promise<SystemStats> {
    return this.#backend.systemStats({ now: this.#now(), maxReadCt: this.store.config.maxReadCt });
  }
}
