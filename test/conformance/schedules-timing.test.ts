/**
 * Schedules (issue 18) and time, on both backends, in virtual time: catch-up after an outage, the bounded tick
 * history, and the daylight-saving days of a 02:30 daily job in Europe/Berlin.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { fireDueSchedules } from "../../src/schedules/firing.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openVirtualStore } from "../support/virtual-time.js";

const HOUR = 3_600_000;

/** Every message of a queue, oldest first, with its `scheduledAt`. */
async function scheduled(store: pgqrs.Store, queue: string): Promise<string[]> {
  const q = await pgqrs.admin(store).getQueue(queue);
  const rows = await store.context.backend.listMessages({ queueId: q.id, state: "all", limit: 100_000 });
  return rows.map((m) => (m.payload as { scheduledAt: string }).scheduledAt).sort();
}

function isoTimes(from: number, stepMs: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(from + i * stepMs).toISOString());
}

describe.each(EVERY_BACKEND)("schedules and time on %s", (backend) => {
  it("tick rows older than TICK_HISTORY_MS (7 days) are pruned when the schedule fires; its messages stay", async () => {
    const { store, clock } = await openVirtualStore(backend);
    const admin = pgqrs.admin(store);
    await admin.createQueue("sq");
    await admin.createSchedule({ name: "d", cron: "@daily", queue: "sq", overlap: "allow" });
    for (let day = 1; day <= 10; day++) {
      clock.set(new Date(Date.parse("2026-01-01T00:00:30Z") + day * 86_400_000));
      await fireDueSchedules(store.context);
    }
    expect((await scheduled(store, "sq")).length).toBe(10);
    const kept = (await admin.listScheduleTicks("d")).map((k) => k.tickAt.toISOString().slice(0, 10));
    expect(kept).toEqual([
      "2026-01-11",
      "2026-01-10",
      "2026-01-09",
      "2026-01-08",
      "2026-01-07",
      "2026-01-06",
      "2026-01-05",
    ]);
  });

  it("catch-up after an outage: none drops the missed ticks, latest fires the last one, all fires each", async () => {
    const { store, clock } = await openVirtualStore(backend);
    const admin = pgqrs.admin(store);
    for (const mode of ["none", "latest", "all"] as const) {
      await admin.createQueue(mode);
      await admin.createSchedule({ name: mode, cron: "0 * * * *", queue: mode, catchUp: mode, overlap: "allow" });
    }
    clock.set(new Date("2026-01-01T05:30:00Z")); // no poll loop ran for 5.5 hours
    await fireDueSchedules(store.context);
    expect(await scheduled(store, "none")).toEqual([]);
    expect(await scheduled(store, "latest")).toEqual(["2026-01-01T05:00:00.000Z"]);
    expect(await scheduled(store, "all")).toEqual(isoTimes(Date.parse("2026-01-01T01:00:00Z"), HOUR, 5));
    for (const mode of ["none", "latest", "all"]) {
      expect((await admin.getSchedule(mode)).nextRunAt).toEqual(new Date("2026-01-01T06:00:00Z"));
    }
    expect((await admin.getSchedule("latest")).lastRunAt).toEqual(new Date("2026-01-01T05:00:00Z"));
    clock.set(new Date("2026-01-01T06:00:05Z")); // on time again (5 s late: within ON_TIME_MS)
    await fireDueSchedules(store.context);
    expect(await scheduled(store, "none")).toEqual(["2026-01-01T06:00:00.000Z"]);
    expect((await scheduled(store, "all")).length).toBe(6);
  });

  it("DST in Europe/Berlin: a 02:30 daily job fires once at 03:00 on spring-forward, once (first 02:30) on fall-back", async () => {
    const { store, clock } = await openVirtualStore(backend);
    const admin = pgqrs.admin(store);
    await admin.createQueue("spring");
    await admin.createQueue("fall");
    const days = async (from: string, to: string) => {
      clock.set(new Date(from));
      const end = Date.parse(to);
      while (clock.now().getTime() < end) {
        clock.advance(HOUR);
        await fireDueSchedules(store.context);
      }
    };
    const daily = { cron: "30 2 * * *", timezone: "Europe/Berlin", overlap: "allow", catchUp: "all" } as const;
    clock.set(new Date("2026-03-27T12:00:00Z"));
    await admin.createSchedule({ name: "spring", queue: "spring", ...daily });
    await days("2026-03-27T12:00:00Z", "2026-03-31T12:00:00Z");
    expect(await scheduled(store, "spring")).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist: 03:00 CEST, the first valid time after the gap
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
      "2026-03-31T00:30:00.000Z",
    ]);
    clock.set(new Date("2026-10-23T12:00:00Z"));
    await admin.createSchedule({ name: "fall", queue: "fall", ...daily });
    await days("2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z");
    expect(await scheduled(store, "fall")).toEqual([
      "2026-10-24T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 happens twice: fires once, at the first (CEST)
      "2026-10-26T01:30:00.000Z", // 02:30 CET
      "2026-10-27T01:30:00.000Z",
    ]);
  });
});
