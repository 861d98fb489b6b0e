/**
 * The `retention` option of `createQueue` / `store.queue`, `updateQueue` and `defineWorkflow`: checked
 * with the other options before anything is written, applied right after the queue (or workflow) exists.
 */
import type { StoreBackend } from "../store/store.js";
import { type RetentionOptions, resolveRetention } from "./retention-policy.js";

/**
 * A retention option: periods to set (fields left out keep their value, the defaults on a new queue), `false` to
 * keep every row forever, `null` (updateQueue only) to go back to the documented defaults.
 */
export type RetentionSetting = RetentionOptions | false | null;

/** VALIDATION_FAILED naming the field for a bad setting (writes nothing); `null` allowed only when `allowNull`. */
export function assertRetentionSetting(value: unknown, allowNull: boolean): RetentionSetting {
  if (value === null && allowNull) return null;
  resolveRetention(value as RetentionOptions | false, null);
  return value as RetentionOptions | false;
}

/** Store `setting` as the retention of queue `queueId` (`null`: remove its own policy, the defaults apply). */
export async function applyRetentionSetting(
  backend: StoreBackend,
  queueId: number,
  setting: RetentionSetting,
  now: Date,
): Promise<void> {
  if (setting === null) {
    await backend.clearRetention({ queueId });
    return;
  }
  const periods = resolveRetention(setting, await backend.getRetention({ queueId }));
  await backend.setRetention({ queueId, ...periods, now });
}
