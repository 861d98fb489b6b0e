/**
 * The store events of a consumer's acknowledgements and failure releases (`completed`, `failed`, `deadLettered`),
 * built only when someone listens.
 */
import type { StoreEvents } from "../observability/events.js";
import type { MessageError } from "../queue-controls-types.js";

/** Who acknowledged or released: the consumer's worker id and queue. */
export interface MessageEventSource {
  readonly workerId: number;
  readonly queue: string;
  readonly queueId: number;
}

/** `completed` for the ids whose archive result is true. */
export function emitCompleted(
  events: StoreEvents,
  source: MessageEventSource,
  ids: readonly number[],
  results: readonly boolean[],
): void {
  if (!events.has("completed")) return;
  const messageIds = ids.filter((_, i) => results[i] === true);
  if (messageIds.length === 0) return;
  events.emit("completed", {
    queue: source.queue,
    queueId: source.queueId,
    messageIds,
    consumerWorkerId: source.workerId,
  });
}

/**
 * `failed` (and `deadLettered`) for a handler failure's release of `ids`. The messages of one such release share
 * their error, whose `attempt` is their read count, so the statement's dead-letter rule
 * (`readCt >= deadLetterAtReadCt`) is applied here the same way.
 */
export function emitFailed(
  events: StoreEvents,
  source: MessageEventSource,
  release: {
    ids: readonly number[];
    results: readonly boolean[];
    visibleAt: Date;
    error: MessageError;
    deadLetterAtReadCt: number | undefined;
  },
): void {
  const { error } = release;
  const dead = release.deadLetterAtReadCt !== undefined && error.attempt >= release.deadLetterAtReadCt;
  if (!events.has("failed") && !(dead && events.has("deadLettered"))) return;
  const { queue, queueId } = source;
  release.ids.forEach((messageId, i) => {
    if (release.results[i] !== true) return;
    events.emit("failed", {
      queue,
      queueId,
      messageId,
      consumerWorkerId: source.workerId,
      error,
      attempt: error.attempt,
      nextVisibleAt: dead ? null : release.visibleAt,
      deadLettered: dead,
    });
    if (dead) events.emit("deadLettered", { queue, queueId, messageId, error, attempts: error.attempt });
  });
}
