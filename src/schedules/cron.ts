/**
 * Cron expressions, read by `croner` (a maintained library: 5 or 6 fields, nicknames such as `@daily`, `@hourly`,
 * IANA time zones). Only the computation of tick instants lives here; time itself always comes from the store's
 * clock.
 *
 * Daylight-saving time (a fixed-time job such as `30 2 * * *` in a zone with DST; croner's "single-value" rule:
 * seconds, minutes and hours each a single value):
 * - **Spring forward** (02:30 does not exist that day): the tick is at the first valid time after the gap, 03:00
 *   local time (Europe/Berlin, 2026-03-29: 01:00Z; America/New_York, 2026-03-08: 07:00Z). It fires once.
 * - **Fall back** (02:30 happens twice in Europe/Berlin on 2026-10-25): the tick is at the first occurrence only
 *   (02:30 CEST = 00:30Z). It fires once. In America/New_York the repeated hour is 01:00–01:59, so 02:30 occurs
 *   once anyway (2026-11-01 07:30Z).
 * - Interval jobs (a wildcard or step in seconds, minutes or hours, such as `30 * * * *`) follow the clock instead:
 *   no tick inside the gap, and a tick on both occurrences of a repeated local time.
 */
import { Cron } from "croner";
import { ValidationError } from "../errors.js";

/** A compiled schedule: its ticks in time zone `timezone`, bounded by `startAt` (inclusive) and `endAt` (exclusive). */
export interface CronTicks {
  /** The first tick strictly after `after`, or `null` when none is left. */
  next(after: Date): Date | null;
  /** The latest tick at or before `at`, or `null` when there is none. */
  latest(at: Date): Date | null;
}

/** VALIDATION_FAILED naming `timezone` unless it is an IANA time zone this runtime knows. */
export function assertTimezone(timezone: unknown): string {
  if (typeof timezone !== "string" || timezone.length === 0) {
    throw new ValidationError(
      `timezone must be an IANA time zone name such as "Europe/Berlin", got ${String(timezone)}`,
      {
        argument: "timezone",
      },
    );
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new ValidationError(`timezone: unknown time zone ${JSON.stringify(timezone)}`, { argument: "timezone" });
  }
  return timezone;
}

/**
 * Compile `cron` in `timezone`: VALIDATION_FAILED naming `cron` when croner refuses the expression (the reason in
 * the message), naming `timezone` for an unknown zone.
 */
export function compileCron(cron: unknown, timezone: string, startAt: Date | null, endAt: Date | null): CronTicks {
  assertTimezone(timezone);
  if (typeof cron !== "string" || cron.trim().length === 0) {
    throw new ValidationError(`cron must be a cron expression such as "0 * * * *" or "@daily", got ${String(cron)}`, {
      argument: "cron",
    });
  }
  let job: Cron;
  try {
    job = new Cron(cron.trim(), {
      timezone,
      mode: "5-or-6-parts",
      ...(startAt === null ? {} : { startAt }),
      ...(endAt === null ? {} : { stopAt: endAt }),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ValidationError(`cron: invalid expression ${JSON.stringify(cron)} (${reason})`, { argument: "cron" });
  }
  const inRange = (d: Date | null | undefined): Date | null => {
    if (d === null || d === undefined) return null;
    if (startAt !== null && d < startAt) return null;
    if (endAt !== null && d >= endAt) return null;
    return d;
  };
  return {
    next: (after) => inRange(job.nextRun(after)),
    latest(at) {
      // previousRuns includes a run earlier in the reference's second; a reference 1 ms later includes `at` itself.
      const [candidate] = job.previousRuns(1, new Date(at.getTime() + 1));
      if (candidate !== undefined && candidate <= at) return inRange(candidate);
      return inRange(job.previousRuns(1, at)[0]);
    },
  };
}
