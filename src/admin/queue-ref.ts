/** How admin calls name a queue (by name or by its record), and turning that into the queue's record. */
import type { Store } from "../api/pgqrs-store.js";
import { PgqrsError, ValidationError } from "../errors.js";
import type { QueueRecord } from "../types.js";
import { assertName } from "../validation/names.js";
import { openBackend } from "./admin-base.js";

/** A queue named, or given as its record. */
export type QueueRef = string | QueueRecord;

/** The record of `queue`: itself when given as a record, else read by name. QUEUE_NOT_FOUND, VALIDATION_FAILED. */
export async function resolveQueue(store: Store, queue: QueueRef | undefined): Promise<QueueRecord> {
  // Plain JavaScript callers can leave the queue out; say so instead of failing on a property of undefined.
  if (queue === undefined || queue === null) {
    throw new ValidationError("Queue name is required");
  }
  if (typeof queue !== "string") return queue;
  assertName("queue", queue);
  return store.getQueue(queue);
}

/** The queue of that id. QUEUE_NOT_FOUND when missing. */
export async function resolveQueueId(store: Store, id: number): Promise<QueueRecord> {
  const q = await openBackend(store).getQueueById(id);
  if (q === null) throw new PgqrsError("QUEUE_NOT_FOUND", `Queue with id '${id}' not found`, { details: { id } });
  return q;
}
