/**
 * The workers part of `Admin`: worker rows and their held messages, zombies and their reclaim, worker health and
 * statistics, and moving any worker through its state machine by id.
 */
import { InvalidStateTransitionError, PgqrsError, ValidationError } from "../errors.js";
import type { Page, QueueMessage, WorkerHealthStats, WorkerRecord, WorkerStats } from "../types.js";
import { assertId, assertOneOf, assertPage } from "../validation/arguments.js";
import { assertMilliseconds, cutoffBefore } from "../validation/time-arguments.js";
import { WORKER_TRANSITIONS, type WorkerOperation } from "../workers/worker-transitions.js";
import { defaultZombieThresholdMs } from "../workers/zombie-reclaim.js";
import { openBackend } from "./admin-base.js";
import { AdminQueues } from "./admin-queues.js";
import { type QueueRef, resolveQueue, resolveQueueId } from "./queue-ref.js";
import { computeWorkerStats } from "./worker-stats.js";

/** Worker administration of one store. */
export class AdminWorkers extends AdminQueues {
  get #backend() {
    return openBackend(this.store);
  }

  #now(): Date {
    return this.store.clock.now();
  }

  /**
   * One page of worker rows (every status, admin and ephemeral workers included), newest first (`started_at`, then
   * id, descending); with `queue`, only that queue's. `limit` defaults to 100 (0 to 100,000) and `offset` to 0.
   * QUEUE_NOT_FOUND for an unknown queue; VALIDATION_FAILED for a bad page; STORE_CLOSED.
   */
  async listWorkers(params: { queue?: QueueRef } & Page = {}): Promise<WorkerRecord[]> {
    const { queue, ...page } = params;
    assertPage(page);
    if (queue === undefined) return this.#backend.listWorkers(page);
    const q = await resolveQueue(this.store, queue);
    return this.#backend.listWorkers({ ...page, queueId: q.id });
  }

  /** Delete a worker row; refused (VALIDATION_FAILED) while messages reference it. Returns rows deleted. */
  async deleteWorker(id: number): Promise<number> {
    assertId("id", id);
    return this.#backend.deleteWorker(id);
  }

  /**
   * One page of the messages (any state) this worker consumed, newest first (`enqueued_at`, then id, descending).
   * `limit` defaults to 100 and `offset` to 0: ask for the next page with `offset + limit` until a page comes back
   * shorter than `limit`. WORKER_NOT_FOUND when the worker is missing; VALIDATION_FAILED for an admin worker.
   */
  async getWorkerMessages(id: number, page: Page = {}): Promise<QueueMessage[]> {
    assertId("id", id);
    assertPage(page);
    const w = await this.#backend.getWorker(id);
    if (w === null) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${id}' not found`);
    if (w.queueId === null) throw new ValidationError("Cannot get messages for admin worker");
    return this.#backend.listMessages({ ...page, consumerWorkerId: id, state: "all" });
  }

  /** How many unarchived messages the worker holds (leased to it), counted in one statement. WORKER_NOT_FOUND when missing. */
  async countWorkerMessages(id: number): Promise<number> {
    assertId("id", id);
    const w = await this.#backend.getWorker(id);
    if (w === null) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${id}' not found`);
    return this.#backend.countHeldMessages({ workerId: id });
  }

  /** Release every unarchived message held by the worker (visible now). Returns the count. */
  async releaseWorkerMessages(id: number): Promise<number> {
    assertId("id", id);
    return this.#backend.releaseWorkerMessages({ workerId: id, now: this.#now() });
  }

  /** The default zombie threshold: six heartbeat periods (30 s with the default 5 s heartbeat), at least 1 s. */
  defaultZombieThresholdMs(): number {
    return defaultZombieThresholdMs(this.store.context);
  }

  /**
   * Live workers (optionally of one queue) whose heartbeat is older than the threshold. Only workers of this
   * package count: they heartbeat in the background. A pgqrs (Rust/Python) worker beats only while idle, so it is
   * never listed; its messages come back when their leases expire.
   */
  async listZombies(params: { queue?: QueueRef; olderThanMs?: number } = {}): Promise<WorkerRecord[]> {
    const olderThan = cutoffBefore(
      this.#now(),
      assertMilliseconds("olderThanMs", params.olderThanMs ?? this.defaultZombieThresholdMs()),
    );
    if (params.queue === undefined) return this.#backend.listZombies({ olderThan });
    const q = await resolveQueue(this.store, params.queue);
    return this.#backend.listZombies({ queueId: q.id, olderThan });
  }

  /**
   * Release the messages of the queue's zombie workers (heartbeat older than `olderThanMs`, default
   * {@link defaultZombieThresholdMs}; workers of this package only, as {@link listZombies}) and mark them stopped.
   * Returns how many messages were released.
   */
  async reclaimMessages(queue: QueueRef | number, olderThanMs?: number): Promise<number> {
    const age = assertMilliseconds("olderThanMs", olderThanMs ?? this.defaultZombieThresholdMs());
    const q =
      typeof queue === "number"
        ? await resolveQueueId(this.store, assertId("queue", queue))
        : await resolveQueue(this.store, queue);
    const olderThan = cutoffBefore(this.#now(), age);
    const { released } = await this.#backend.reclaimZombies({ queueId: q.id, olderThan, now: this.#now() });
    return released;
  }

  /** Delete stopped workers whose last heartbeat is older than `olderThanMs` and that no message references. */
  async purgeOldWorkers(olderThanMs: number): Promise<number> {
    assertMilliseconds("olderThanMs", olderThanMs);
    return this.#backend.purgeOldWorkers({ olderThan: cutoffBefore(this.#now(), olderThanMs) });
  }

  /** Worker counts by status; `staleWorkers` are ready/polling with a heartbeat older than `heartbeatTimeoutMs`. */
  async workerHealthStats(
    params: { heartbeatTimeoutMs?: number; groupByQueue?: boolean } = {},
  ): Promise<WorkerHealthStats[]> {
    const timeout = assertMilliseconds(
      "heartbeatTimeoutMs",
      params.heartbeatTimeoutMs ?? this.defaultZombieThresholdMs(),
    );
    return this.#backend.workerHealthStats({
      staleBefore: cutoffBefore(this.#now(), timeout),
      groupByQueue: params.groupByQueue ?? false,
    });
  }

  /** Statistics of one queue's workers (one statement, whatever their number). */
  async workerStats(queue: QueueRef): Promise<WorkerStats> {
    const q = await resolveQueue(this.store, queue);
    return computeWorkerStats(await this.#backend.queueWorkerCounts({ queueId: q.id }), this.#now());
  }

  /** The worker row of that id. WORKER_NOT_FOUND when missing. */
  async getWorker(id: number): Promise<WorkerRecord> {
    assertId("id", id);
    const w = await this.#backend.getWorker(id);
    if (w === null) throw workerNotFound(id);
    return w;
  }

  /**
   * Move any worker (of this or another process) through its state machine by id, e.g. `"suspend"` a worker
   * another process runs: its poll loop sees the new status at its next check. INVALID_STATE_TRANSITION (row
   * unchanged) when the current status forbids it; WORKER_NOT_FOUND when the row is gone.
   */
  async transitionWorker(id: number, op: WorkerOperation): Promise<WorkerRecord> {
    assertId("id", id);
    const t = WORKER_TRANSITIONS[assertOneOf("op", op, WORKER_TRANSITIONS)];
    const row = await this.#backend.transitionWorker({ id, from: t.from, to: t.to, now: this.#now() });
    if (row !== null) return row;
    const current = await this.getWorker(id);
    throw new InvalidStateTransitionError(current.status, t.to, t.reason);
  }
}

function workerNotFound(id: number): PgqrsError {
  return new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${id}' not found`, { details: { workerId: id } });
}
