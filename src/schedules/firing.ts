/**
 * Firing due ticks: one round reads the due schedules (one indexed statement; nothing else when none is due) and
 * fires each one's ticks in one transaction (`fireSchedule`). Exactly once is the database's doing: the tick row's
 * primary key, plus a compare-and-set on `next_run_at` so a process with a stale view never fires an older tick
 * after a newer one. Timing only decides how late a tick fires, never whether it fires twice.
 */
import { serializePayload } from "../queue/payload-validation.js";
import type { FireScheduleResult, ScheduleRow } from "../store/schedule-store.js";
import type { EngineContext } from "../workers/engine-context.js";
import { compileCron } from "./cron.js";
import { ON_TIME_MS, tickPayload } from "./schedule-options.js";

/** Most ticks one schedule fires in one round with `catchUp: "all"`; the rest follow in the next rounds. */
export const MAX_TICKS_PER_ROUND = 1_000;

/**
 * How long a schedule's tick rows are kept, in milliseconds of tick time (7 days): older rows are deleted when the
 * schedule fires, so `pgqrs_schedule_ticks` stays bounded. A tick that old is behind `next_run_at` for good.
 */
export const TICK_HISTORY_MS = 7 * 86_400_000;

/** Most schedules one round reads. */
export const DUE_SCHEDULES_PER_ROUND = 100;

/** Which ticks of a due schedule fire at `now`, and the next tick after them. */
export function planTicks(s: ScheduleRow, now: Date): { ticks: Date[]; nextRunAt: Date | null } {
  const cron = compileCron(s.cron, s.timezone, s.startAt, s.endAt);
  const first = s.nextRunAt;
  if (first === null || first > now) return { ticks: [], nextRunAt: first };
  if (s.catchUp === "all") {
    const ticks: Date[] = [];
    let t: Date | null = first;
    while (t !== null && t <= now && ticks.length < MAX_TICKS_PER_ROUND) {
      ticks.push(t);
      t = cron.next(t);
    }
    return { ticks, nextRunAt: t };
  }
  const found = cron.latest(now);
  const latest = found !== null && found >= first ? found : first;
  const onTime = s.catchUp === "latest" || now.getTime() - latest.getTime() <= ON_TIME_MS;
  return { ticks: onTime ? [latest] : [], nextRunAt: cron.next(now) };
}

/** Fire the ticks of one due schedule; `applied: false` when another process moved it first. */
export async function fireSchedule(ctx: EngineContext, s: ScheduleRow, now: Date): Promise<FireScheduleResult> {
  const plan = planTicks(s, now);
  const ticks = plan.ticks.map((tickAt) => ({
    tickAt,
    payload: serializePayload(tickPayload(s, tickAt), ctx.config.validationConfig),
  }));
  if (s.nextRunAt === null) return { applied: false, ticks: [], queueId: s.queueId };
  const result = await ctx.backend.fireSchedule({
    scheduleId: s.id,
    expectedNextRunAt: s.nextRunAt,
    ticks,
    nextRunAt: plan.nextRunAt,
    now,
    pruneBefore: new Date(now.getTime() - TICK_HISTORY_MS),
  });
  if (result.ticks.some((t) => t.messageId !== null)) ctx.enqueueSignals.signal(result.queueId);
  return result;
}

/**
 * One firing round at the store clock's `now`: fire every due schedule (at most {@link DUE_SCHEDULES_PER_ROUND}).
 * A schedule that fails (its cron no longer parses, a payload over the size limit) is reported to `onError` and
 * the others still fire. Resolves with how many ticks were handled (fired or skipped).
 */
export async function fireDueSchedules(ctx: EngineContext, onError?: (err: unknown) => void): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.backend.dueSchedules({ now, limit: DUE_SCHEDULES_PER_ROUND });
  let handled = 0;
  for (const s of due) {
    try {
      handled += (await fireSchedule(ctx, s, now)).ticks.length;
    } catch (err) {
      onError?.(err);
    }
  }
  return handled;
}
