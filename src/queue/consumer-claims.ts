/**
 * A consumer's claims: the plain claim (`dequeue`), the acknowledgement that claims the next messages in the same
 * round trip (`archiveAndDequeue`), and a workflow worker's claim that also creates or starts the messages' runs.
 * Each is one statement, except on a queue with a concurrency or rate limit, whose claim counts live leases.
 */
import { PgqrsError } from "../errors.js";
import type { StoreEvents } from "../observability/events.js";
import { recordReceive } from "../observability/tracing.js";
import { ArchivedThenClaimFailed } from "../store/archived-then-claim-failed.js";
import type { ArchiveAndDequeueResult, DequeueParams } from "../store/message-params.js";
import { otelApi, recordingOtelApi } from "../observability/tracing-api.js";
import { nowMs } from "../observability/tracing-spans.js";
import type { QueueMessage, RunRecord } from "../types.js";
import { assertIds } from "../validation/arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import type { Consumer } from "./consumer.js";
import { claimArguments, type DequeueOptions } from "./consumer-options.js";
import { emitCompleted, type MessageEventSource } from "./message-events.js";
import type { RemoteWakeOutcome } from "./message-listening.js";

/** A `receive` span for a claim begun at `startMs` that returned `messages` (with OpenTelemetry only). */
function traceReceive(consumer: Consumer, startMs: number, messages: readonly QueueMessage[]): void {
  const api = otelApi();
  if (api !== null) recordReceive(api, consumer.queue.queueName, consumer.name, startMs, messages);
}

/**
 * What every claim of `consumer` tells the backend: its queue, itself as the new owner, at most `limit` messages
 * leased for `leaseMs` from `now`, its delivery limit, and whether the queue's limits make it a limited claim.
 */
function claimParams(consumer: Consumer, limit: number, leaseMs: number, now: Date): DequeueParams {
  return {
    queueId: consumer.queue.id,
    workerId: consumer.id,
    limit,
    leaseMs,
    now,
    maxReadCt: consumer.maxAttempts,
    ...(consumer.limited ? { limited: true } : {}),
  };
}

/** `consumer.dequeue(options)`: see {@link Consumer.dequeue}. */
export async function claimMessages<T>(
  consumer: Consumer,
  ctx: EngineContext,
  wakes: RemoteWakeOutcome,
  options: DequeueOptions,
): Promise<QueueMessage<T>[]> {
  ctx.assertOpen();
  const { batchSize, leaseMs, now } = claimArguments(ctx, consumer, options);
  if (batchSize === 0) return [];
  if (consumer.lost) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${consumer.id}' not found`);
  const startMs = recordingOtelApi() === null ? 0 : nowMs();
  const rows = await ctx.backend.dequeue(claimParams(consumer, batchSize, leaseMs, now));
  wakes.noteClaim(rows.length);
  if (startMs !== 0) traceReceive(consumer, startMs, rows);
  return rows as QueueMessage<T>[];
}

/** `consumer.dequeueStartingRuns(limit, vtSeconds, versions)`: see {@link Consumer.dequeueStartingRuns}. */
export async function claimStartingRuns(
  consumer: Consumer,
  ctx: EngineContext,
  wakes: RemoteWakeOutcome,
  limit: number,
  vtSeconds: number,
  versions: readonly string[] | undefined,
): Promise<{ message: QueueMessage; run: RunRecord | null }[] | undefined> {
  ctx.assertOpen();
  const backend = ctx.backend;
  if (backend.dequeueAndStartRuns === undefined && versions === undefined) return undefined;
  if (consumer.lost) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${consumer.id}' not found`);
  const params = {
    ...claimParams(consumer, limit, Math.round(vtSeconds * 1000), consumer.now()),
    ...(versions === undefined ? {} : { versions }),
  };
  // A limited queue's claim is the backend's limited `dequeue`; runs then start per message.
  const startMs = recordingOtelApi() === null ? 0 : nowMs();
  const claimed =
    backend.dequeueAndStartRuns === undefined || consumer.limited
      ? (await backend.dequeue(params)).map((message) => ({ message, run: null }))
      : await backend.dequeueAndStartRuns(params);
  wakes.noteClaim(claimed.length);
  if (startMs !== 0 && claimed.length > 0)
    traceReceive(
      consumer,
      startMs,
      claimed.map((c) => c.message),
    );
  return claimed;
}

/** `consumer.archiveAndDequeue(ids, options)`: see {@link Consumer.archiveAndDequeue}. */
export async function archiveAndClaim<T>(
  consumer: Consumer,
  ctx: EngineContext,
  wakes: RemoteWakeOutcome,
  events: StoreEvents,
  source: MessageEventSource,
  ids: readonly number[],
  options: DequeueOptions,
): Promise<{ archived: boolean[]; messages: QueueMessage<T>[] }> {
  ctx.assertOpen();
  assertIds("ids", ids);
  const { batchSize, leaseMs, now } = claimArguments(ctx, consumer, options);
  if (consumer.lost) throw new PgqrsError("WORKER_NOT_FOUND", `Worker with id '${consumer.id}' not found`);
  if (consumer.limited) {
    // The limited claim counts live leases, so the acknowledgement goes first, in its own statement.
    const archived = ids.length === 0 ? [] : await consumer.archiveMany(ids);
    const messages = batchSize === 0 ? [] : await consumer.dequeue<T>(options);
    return { archived, messages };
  }
  const startMs = recordingOtelApi() === null ? 0 : nowMs();
  let result: ArchiveAndDequeueResult;
  try {
    // Never limited here: a limited queue took the branch above.
    result = await ctx.backend.archiveAndDequeue({
      archiveIds: ids,
      ...claimParams(consumer, batchSize, leaseMs, now),
    });
  } catch (err) {
    // The acknowledgements applied though the claim failed: report them, then throw the claim's error.
    if (!(err instanceof ArchivedThenClaimFailed)) throw err;
    emitCompleted(events, source, ids, err.archived);
    throw err.cause;
  }
  if (batchSize > 0) wakes.noteClaim(result.messages.length);
  emitCompleted(events, source, ids, result.archived);
  if (startMs !== 0) traceReceive(consumer, startMs, result.messages);
  return { archived: result.archived, messages: result.messages as QueueMessage<T>[] };
}
