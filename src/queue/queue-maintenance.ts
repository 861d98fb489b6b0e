/**
 * The periodic task of a queue's poll loops: bring back zombies' messages, dead-letter what can no longer be
 * delivered, and pick up settings changed elsewhere.
 */
import { log } from "../observability/logger.js";
import type { EngineContext } from "../workers/engine-context.js";
import { zombieReclaimTask } from "../workers/zombie-reclaim.js";
import type { Consumer } from "./consumer.js";

/**
 * One maintenance round, at most one at a time per loop, every `everyMs` (15 s with the default heartbeat):
 * - reclaim the messages of the queue's zombie workers (see `zombieReclaimTask`);
 * - dead-letter the queue's messages whose last attempt's lease expired (a worker died holding it): no message
 *   stays unarchived once it can no longer be delivered, and their unfinished workflow runs fail (no limbo);
 * - re-read the queue's settings, so limits and retry policies changed by `updateQueue` elsewhere apply here.
 */
export function queueMaintenanceTask(
  ctx: EngineContext,
  consumer: Consumer,
): { everyMs: number; run: () => Promise<void> } {
  const reclaim = zombieReclaimTask(ctx, consumer.queue.id);
  return {
    everyMs: reclaim.everyMs,
    run: async () => {
      try {
        await reclaim.run();
        const queue = await consumer.refreshQueue();
        const dead = await ctx.backend.deadLetter({
          queueId: queue.id,
          maxReadCt: consumer.maxAttempts,
          now: ctx.clock.now(),
        });
        if (dead.ids.length > 0) {
          log(
            ctx.logger,
            "warn",
            { queue: queue.queueName, messageIds: dead.ids, failedRuns: dead.failedRuns },
            "pgqrs: dead-lettered messages whose last attempt's lease expired (their worker died holding them)",
          );
        }
      } catch (err) {
        // The loop goes on and retries next round; the failure is logged here, where the queue is known.
        log(
          ctx.logger,
          "warn",
          { queue: consumer.queue.queueName, workerId: consumer.id, err },
          "pgqrs: queue maintenance round failed; retrying next round",
        );
        throw err;
      }
    },
  };
}
