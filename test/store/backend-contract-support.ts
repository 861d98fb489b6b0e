/**
 * Helpers of the StoreBackend contract tests (`backend-contract-*.test.ts`): the error a call rejects with, and
 * short forms of the setup calls every contract group makes (a queue, a worker, messages put and claimed).
 */
import { isPgqrsError } from "../../src/errors.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, QueueRecord, WorkerRecord } from "../../src/types.js";
import { uniqueName } from "../support/backends.js";

/** The `PgqrsError` code `fn` rejects with, `"none"` when it resolves, `non-pgqrs: …` for any other error. */
export async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "none";
  } catch (err) {
    return isPgqrsError(err) ? err.code : `non-pgqrs: ${String(err)}`;
  }
}

/** The message of the error `fn` rejects with, `"none"` when it resolves. */
export async function messageOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "none";
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Setup calls on the backend of one contract test file. */
export interface ContractHelpers {
  /** A new queue with a unique name. */
  queue(at: Date): Promise<QueueRecord>;
  /** A new worker with a unique name, on `q` (or an admin worker when `null`). */
  worker(q: QueueRecord | null, at: Date): Promise<WorkerRecord>;
  /** Enqueue `payloads` (JSON-encoded here), with no producer, visible at `visibleAt` (default `at`). */
  put(q: QueueRecord, payloads: unknown[], at: Date, visibleAt?: Date): Promise<QueueMessage[]>;
  /** Dequeue for `w`: up to `limit` (10) messages, leased for `leaseMs` (30 s), below `maxReadCt` (5) reads. */
  take(
    q: QueueRecord,
    w: WorkerRecord,
    at: Date,
    limit?: number,
    leaseMs?: number,
    maxReadCt?: number,
  ): Promise<QueueMessage[]>;
}

/** {@link ContractHelpers} on the backend `backend()` returns (read at each call: it is opened in `beforeAll`). */
export function contractHelpers(backend: () => StoreBackend): ContractHelpers {
  return {
    queue: (at) => backend().createQueue({ name: uniqueName("q"), now: at }),
    worker: (q, at) => backend().registerWorker({ name: uniqueName("w"), queueId: q?.id ?? null, now: at }),
    put: (q, payloads, at, visibleAt = at) =>
      backend().enqueue({
        queueId: q.id,
        payloads: payloads.map((p) => JSON.stringify(p)),
        producerWorkerId: null,
        enqueuedAt: at,
        visibleAt,
      }),
    take: (q, w, at, limit = 10, leaseMs = 30_000, maxReadCt = 5) =>
      backend().dequeue({ queueId: q.id, workerId: w.id, limit, leaseMs, now: at, maxReadCt }),
  };
}
