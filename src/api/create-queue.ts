/** Creating a queue with its settings and retention (`store.queue(name, options)`, `admin.createQueue`). */
import { ValidationError } from "../errors.js";
import type { CreateQueueOptions } from "../queue-controls-types.js";
import { applyRetentionSetting } from "../retention/retention-setting.js";
import type { QueueRecord } from "../types.js";
import { assertName } from "../validation/names.js";
import { assertQueueSettings } from "../validation/queue-settings.js";
import type { EngineContext } from "../workers/engine-context.js";

/**
 * Create queue `name` with its settings. QUEUE_ALREADY_EXISTS when the name is taken, unless `ifNotExists: true`
 * (then the existing queue, its settings and retention unchanged). VALIDATION_FAILED naming the field for a bad
 * option, nothing written; STORE_CLOSED once the store is closed.
 */
export async function createQueue(
  ctx: EngineContext,
  name: string,
  options?: CreateQueueOptions,
): Promise<QueueRecord> {
  ctx.assertOpen();
  assertName("queue", name);
  const settings = assertQueueSettings(options, ["ifNotExists"]);
  const ifNotExists = options?.ifNotExists;
  if (ifNotExists !== undefined && typeof ifNotExists !== "boolean") {
    throw new ValidationError(`ifNotExists must be a boolean, got ${String(ifNotExists)}`, {
      argument: "ifNotExists",
    });
  }
  const now = ctx.clock.now();
  const retention = options?.retention ?? undefined;
  if (retention !== undefined && ifNotExists === true) {
    // An existing queue keeps its retention, as it keeps its settings.
    const existing = await ctx.backend.getQueueByName(name);
    if (existing !== null) return existing;
  }
  const q = await ctx.backend.createQueue({
    name,
    now,
    ...(Object.keys(settings).length === 0 ? {} : { settings }),
    ...(ifNotExists === true ? { ifNotExists: true } : {}),
  });
  if (retention !== undefined) await applyRetentionSetting(ctx.backend, q.id, retention, now);
  return q;
}
