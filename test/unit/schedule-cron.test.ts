/**
 * Tick computation of schedules (src/schedules/cron.ts, firing.ts `planTicks`), without a database: daylight-saving
 * days in America/New_York and Europe/Berlin for a fixed-time 02:30 job and an hourly interval job, bounds, and the
 * catch-up plans.
 */
import { describe, expect, it } from "vitest";
import { compileCron } from "../../src/schedules/cron.js";
import { planTicks } from "../../src/schedules/firing.js";
import type { ScheduleRow } from "../../src/store/schedule-store.js";

function ticks(cron: string, timezone: string, from: string, count: number): string[] {
  const c = compileCron(cron, timezone, null, null);
  const out: string[] = [];
  let t: Date | null = new Date(from);
  for (let i = 0; i < count && t !== null; i++) {
    t = c.next(t);
    if (t !== null) out.push(t.toISOString());
  }
  return out;
}

describe("schedule ticks", () => {
  it("America/New_York, 02:30 daily: 03:00 EDT on spring-forward, once on fall-back", () => {
    expect(ticks("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", 3)).toEqual([
      "2026-03-07T07:30:00.000Z", // 02:30 EST
      "2026-03-08T07:00:00.000Z", // 02:30 does not exist: 03:00 EDT
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
    ]);
    expect(ticks("30 2 * * *", "America/New_York", "2026-10-31T00:00:00Z", 3)).toEqual([
      "2026-10-31T06:30:00.000Z",
      "2026-11-01T07:30:00.000Z", // 01:00-01:59 repeats; 02:30 EST occurs once
      "2026-11-02T07:30:00.000Z",
    ]);
  });

  it("an interval job (30 * * * *) follows the clock: no tick in the gap, both occurrences of a repeated hour", () => {
    // Europe/Berlin 2026-03-29: 02:00-02:59 does not exist.
    expect(ticks("30 * * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 3)).toEqual([
      "2026-03-29T00:30:00.000Z", // 01:30 CET
      "2026-03-29T01:30:00.000Z", // 03:30 CEST
      "2026-03-29T02:30:00.000Z",
    ]);
    // Europe/Berlin 2026-10-25: 02:00-02:59 happens twice.
    expect(ticks("30 * * * *", "Europe/Berlin", "2026-10-24T23:00:00Z", 3)).toEqual([
      "2026-10-24T23:30:00.000Z", // 01:30 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T01:30:00.000Z", // 02:30 CET
    ]);
  });

  it("startAt is inclusive, endAt exclusive; latest() finds the tick at or before a time", () => {
    const c = compileCron("0 * * * *", "UTC", new Date("2026-01-01T02:00:00Z"), new Date("2026-01-01T04:00:00Z"));
    expect(c.next(new Date("2026-01-01T00:00:00Z"))).toEqual(new Date("2026-01-01T02:00:00Z"));
    expect(c.next(new Date("2026-01-01T03:00:00Z"))).toBeNull();
    expect(c.latest(new Date("2026-01-01T03:00:00Z"))).toEqual(new Date("2026-01-01T03:00:00Z"));
    expect(c.latest(new Date("2026-01-01T09:00:00Z"))).toEqual(new Date("2026-01-01T03:00:00Z"));
    expect(c.latest(new Date("2026-01-01T01:00:00Z"))).toBeNull();
  });

  it("catch-up plans after 5.5 hours without firing", () => {
    const row = (catchUp: ScheduleRow["catchUp"]) =>
      ({
        cron: "0 * * * *",
        timezone: "UTC",
        startAt: null,
        endAt: null,
        catchUp,
        nextRunAt: new Date("2026-01-01T01:00:00Z"),
      }) as ScheduleRow;
    const now = new Date("2026-01-01T05:30:00Z");
    const next = new Date("2026-01-01T06:00:00Z");
    expect(planTicks(row("none"), now)).toEqual({ ticks: [], nextRunAt: next });
    expect(planTicks(row("latest"), now)).toEqual({ ticks: [new Date("2026-01-01T05:00:00Z")], nextRunAt: next });
    expect(planTicks(row("all"), now).ticks).toHaveLength(5);
    expect(planTicks(row("all"), now).nextRunAt).toEqual(next);
    // catchUp "all" is bounded per round: a minutely schedule 2 days behind fires 1,000 ticks, the rest next round.
    const behind = { ...row("all"), cron: "* * * * *" } as ScheduleRow;
    const plan = planTicks(behind, new Date("2026-01-03T01:00:00Z"));
    expect(plan.ticks).toHaveLength(1_000);
    expect(plan.nextRunAt).toEqual(new Date(Date.parse("2026-01-01T01:00:00Z") + 1_000 * 60_000));
  });
});
