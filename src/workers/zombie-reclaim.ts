import { log } from "../observability/logger.js";
import type { EngineContext } from "./engine-context.js";

/**
 * The default zombie threshold: six heartbeat periods (30 s with the default 5 s heartbeat), at least 1 s.
 * Heartbeats run in the background even while handlers work, so only a dead or frozen worker misses six.
 */
export function defaultZombieThresholdMs(ctx: EngineContext): number {
  return Math.max(1000, ctx.config.heartbeatIntervalSeconds * 6000);
}

/**
 * A periodic task for poll loops: reclaim the messages of the queue's zombie workers. Only workers registered by
 * this package are candidates (they heartbeat in the background, and their rows say so); a Rust or Python pgqrs
 * worker beats only while idle, so its stale heartbeat may mean a long handler: its messages come back by lease
 * expiry instead. After an outage of this store's own (its heartbeats failed), it waits one threshold before judging
 * others, so live workers cut off by the same outage are not taken for dead.
 */
export function zombieReclaimTask(ctx: EngineContext, queueId: number): { everyMs: number; run: () => Promise<void> } {
  const threshold = defaultZombieThresholdMs(ctx);
  return {
    // Modest: one statement per period per loop; a dead worker's messages come back within about 1.5 thresholds.
    everyMs: Math.max(5_000, threshold / 2),
    run: async () => {
      // This store itself could not heartbeat a moment ago: the workers that look dead may have been cut off by the
      // same outage (a failover, a restart) and be about to beat again. Judge them once it has been back a while.
      if (ctx.heartbeats.troubledWithin(threshold)) {
        log(
          ctx.logger,
          "debug",
          { queueId, thresholdMs: threshold },
          "pgqrs: zombie reclaim waits: this store's own heartbeats failed within the threshold",
        );
        return;
      }
      const now = ctx.clock.now();
      const r = await ctx.backend.reclaimZombies({ queueId, olderThan: new Date(now.getTime() - threshold), now });
      if (r.workers.length > 0) {
        log(
          ctx.logger,
          "info",
          { queueId, workerIds: r.workers, released: r.released, thresholdMs: threshold },
          "pgqrs: reclaimed zombie workers (no heartbeat within the threshold); their messages are available again",
        );
      }
    },
  };
}
