/** The Store contract's queue operations: create, configure, look up, delete and purge queues. */
import type { QueueSettingsOptions } from "../queue-controls-types.js";
import type { QueueRecord } from "../types.js";

export interface QueueStoreOps {
  /**
   * Insert the queue and its settings (when any is given) in one transaction. QUEUE_ALREADY_EXISTS on a duplicate
   * name, unless `ifNotExists`: then the existing queue is returned, settings unchanged (race-free: two processes
   * creating one name both get the one row).
   */
  createQueue(p: {
    name: string;
    now: Date;
    settings?: QueueSettingsOptions;
    ifNotExists?: boolean;
  }): Promise<QueueRecord>;
  /**
   * Change a queue's settings (a field left out keeps its value, `null` clears it); returns the queue with its new
   * settings, `null` when the queue does not exist. Settings are already validated by the engine.
   */
  updateQueueSettings(p: { queueId: number; settings: QueueSettingsOptions; now: Date }): Promise<QueueRecord | null>;
  getQueueByName(name: string): Promise<QueueRecord | null>;
  getQueueById(id: number): Promise<QueueRecord | null>;
  listQueues(): Promise<QueueRecord[]>;
  /**
   * Delete a queue with its stopped workers, workflow definition, runs and steps, in one transaction.
   * VALIDATION_FAILED when non-stopped workers are assigned (`… <k> worker(s) are still assigned …`) or any
   * message row exists (`… <k> references exist in messages table. Purge data first.`).
   */
  deleteQueue(p: { queueId: number; queueName: string }): Promise<void>;
  /** Delete every message of the queue (with their runs and steps) and every worker of the queue; one transaction. */
  purgeQueue(p: { queueId: number }): Promise<void>;
}
