/** The Store contract's worker operations: registration, lifecycle, heartbeats, zombies. */
import type { Page, WorkerRecord, WorkerStatus } from "../types.js";
import type { WorkerFilter } from "./worker-filter.js";

/**
 * A worker of this package. It heartbeats in the background (also while its handlers run), and its row says so
 * (`background_heartbeat_since = started_at`): only such workers are ever reclaimed as zombies.
 */
export interface RegisterWorkerParams {
  name: string;
  queueId: number | null;
  now: Date;
}

export interface TransitionWorkerParams {
  id: number;
  /** Allowed current statuses; the update is guarded by them. */
  from: readonly WorkerStatus[];
  to: WorkerStatus;
  now: Date;
}

export interface WorkerStoreOps {
  /**
   * Atomic: insert a `ready` worker, or reset a `stopped` one of that name (new queue, `started_at`,
   * `heartbeat_at`, `shutdown_at = NULL`). VALIDATION_FAILED `Worker <name> is already active. Cannot register
   * duplicate.` for ready/polling/interrupted, `Worker <name> is suspended. Use resume() to reactivate.` for suspended.
   */
  registerWorker(p: RegisterWorkerParams): Promise<WorkerRecord>;
  /** Guarded update; `null` when the row is missing or not in `from`. Sets `shutdown_at = now` when `to` is stopped. */
  transitionWorker(p: TransitionWorkerParams): Promise<WorkerRecord | null>;
  /** `heartbeat_at = now`; false when the row is gone. */
  heartbeat(p: { id: number; now: Date }): Promise<boolean>;
  /** Heartbeat many workers in one statement (a stopped one keeps its heartbeat); returns the ids that still exist. */
  heartbeatMany(p: { ids: readonly number[]; now: Date }): Promise<number[]>;
  getWorker(id: number): Promise<WorkerRecord | null>;
  getWorkerByName(name: string): Promise<WorkerRecord | null>;
  /** Newest first (`started_at DESC, id DESC`). */
  listWorkers(p: WorkerFilter & Page): Promise<WorkerRecord[]>;
  countWorkers(p: WorkerFilter): Promise<number>;
  /** Messages (any state) whose producer or consumer is this worker. */
  countWorkerReferences(id: number): Promise<number>;
  /** Unarchived messages leased to this worker in its queue. */
  countHeldMessages(p: { workerId: number }): Promise<number>;
  /** VALIDATION_FAILED `Worker has <k> references (associated messages/archives)` when referenced; else rows deleted. */
  deleteWorker(id: number): Promise<number>;
  /**
   * Non-stopped workers (optionally of one queue) registered by `registerWorker` (so heartbeating in the
   * background: `background_heartbeat_since = started_at`) with `heartbeat_at < olderThan`, oldest heartbeat first.
   * Workers pgqrs (Rust/Python) registered are never zombies: they beat only while idle.
   */
  listZombies(p: { queueId?: number; olderThan: Date }): Promise<WorkerRecord[]>;
  /**
   * One transaction: for each zombie of the queue (as `listZombies`), release its unarchived messages
   * (`vt = now`, consumer NULL) and mark it stopped. Returns `{ released, workers }`.
   */
  reclaimZombies(p: { queueId?: number; olderThan: Date; now: Date }): Promise<{ released: number; workers: number[] }>;
  /** Delete stopped workers with `heartbeat_at < olderThan` that no message references. */
  purgeOldWorkers(p: { olderThan: Date }): Promise<number>;
}
