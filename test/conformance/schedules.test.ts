/**
 * Schedules (issue 18), on both backends, in virtual time: the admin API and its validation, firing from the poll
 * loops' store-level task (one per store), exactly once across four stores over hours, paused schedules, overlap,
 * trigger-now, and run.scheduledAt. Catch-up, tick history and DST: schedules-timing.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { fireDueSchedules } from "../../src/schedules/firing.js";
import { storeTasksOf } from "../../src/workers/store-tasks.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { thrown } from "../support/stores.js";
import { nextTurn, openVirtualStore } from "../support/virtual-time.js";

const MIN = 60_000;
/**
 * Stores whose loops run while virtual time passes: heartbeats every ~23 days, so minutes passing faster than a
 * loaded machine runs the heartbeats never make a live worker look like a zombie (and stop its loop).
 */
const LOOP_OPTIONS = { pollIntervalMs: 60_000, heartbeatIntervalSeconds: 2_000_000 };
const HOUR = 60 * MIN;

/** Every message of a queue, oldest first, with its `scheduledAt`. */
async function scheduled(store: pgqrs.Store, queue: string): Promise<string[]> {
  const q = await pgqrs.admin(store).getQueue(queue);
  const rows = await store.context.backend.listMessages({ queueId: q.id, state: "all", limit: 100_000 });
  return rows.map((m) => (m.payload as { scheduledAt: string }).scheduledAt).sort();
}

function isoTimes(from: number, stepMs: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(from + i * stepMs).toISOString());
}

describe.each(EVERY_BACKEND)("schedules on %s", (backend) => {
  it("create, read, list, update, pause, resume, delete; bad input is VALIDATION_FAILED naming the field", async () => {
    const { store } = await openVirtualStore(backend);
    const admin = pgqrs.admin(store);
    await admin.createQueue("sq");
    const s = await admin.createSchedule({ name: "every5", cron: "*/5 * * * *", queue: "sq", payload: { k: 1 } });
    expect(s).toMatchObject({
      name: "every5",
      cron: "*/5 * * * *",
      timezone: "UTC",
      workflow: null,
      queue: "sq",
      payload: { k: 1 },
      overlap: "skip",
      catchUp: "latest",
      paused: false,
      nextRunAt: new Date("2026-01-01T00:05:00Z"),
      lastRunAt: null,
      lastStatus: null,
      lastMessageId: null,
    });
    expect(Object.keys(s)).not.toContain("queueId");
    expect((await thrown(() => admin.createSchedule({ name: "every5", cron: "@daily", queue: "sq" }))).code).toBe(
      "SCHEDULE_ALREADY_EXISTS",
    );
    const again = await admin.createSchedule({ name: "every5", cron: "@daily", queue: "sq", ifNotExists: true });
    expect(again.cron).toBe("*/5 * * * *");

    const bad = async (options: Partial<pgqrs.CreateScheduleOptions>, argument: string) => {
      const err = await thrown(() =>
        admin.createSchedule({
          name: "bad",
          cron: "0 * * * *",
          queue: "sq",
          ...options,
        } as pgqrs.CreateScheduleOptions),
      );
      expect(err.code, argument).toBe("VALIDATION_FAILED");
      expect(err.details?.argument, err.message).toBe(argument);
    };
    await bad({ cron: "61 * * * *" }, "cron");
    await bad({ cron: "* * *" }, "cron");
    await bad({ cron: "0 0 30 2 *" }, "cron"); // February 30th: no future tick
    await bad({ timezone: "Mars/Olympus_Mons" }, "timezone");
    await bad({ workflow: "wf" }, "workflow");
    await bad({ queue: undefined } as never, "queue");
    await bad({ overlap: "queue" as never }, "overlap");
    await bad({ catchUp: "some" as never }, "catchUp");
    await bad({ startAt: new Date("2026-02-01Z"), endAt: new Date("2026-01-15Z") }, "endAt");
    await bad({ endAt: new Date("2026-01-01T00:30:00Z") }, "endAt"); // hourly, ends before the first tick
    await bad({ payload: [1, 2] as never }, "payload");
    await bad({ catchup: "all" } as never, "catchup");
    expect((await thrown(() => admin.createSchedule({ name: "x", cron: "@daily", queue: "nope" }))).code).toBe(
      "QUEUE_NOT_FOUND",
    );
    expect((await thrown(() => admin.createSchedule({ name: "x", cron: "@daily", workflow: "nope" }))).code).toBe(
      "WORKFLOW_NOT_FOUND",
    );
    expect((await admin.listSchedules()).map((r) => r.name)).toEqual(["every5"]);

    const hourly = await admin.updateSchedule("every5", { cron: "0 * * * *", overlap: "allow" });
    expect(hourly).toMatchObject({ cron: "0 * * * *", overlap: "allow", payload: { k: 1 } });
    expect(hourly.nextRunAt).toEqual(new Date("2026-01-01T01:00:00Z"));
    expect((await admin.pauseSchedule("every5")).paused).toBe(true);
    expect((await admin.getSchedule("every5")).paused).toBe(true);
    expect((await admin.resumeSchedule("every5")).paused).toBe(false);
    await admin.deleteSchedule("every5");
    expect((await thrown(() => admin.getSchedule("every5"))).code).toBe("SCHEDULE_NOT_FOUND");
    expect((await thrown(() => admin.deleteSchedule("every5"))).code).toBe("SCHEDULE_NOT_FOUND");
    expect((await thrown(() => admin.triggerSchedule("every5"))).code).toBe("SCHEDULE_NOT_FOUND");
  });

  it("a poll loop of the store fires due ticks (scheduledAt on the payload); once it ends nothing fires", async () => {
    const { store, clock } = await openVirtualStore(backend, LOOP_OPTIONS);
    const admin = pgqrs.admin(store);
    await admin.createQueue("sq");
    await admin.createQueue("work");
    await admin.createSchedule({ name: "minutely", cron: "* * * * *", queue: "sq", overlap: "allow", catchUp: "all" });
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(await store.consumer("work"))
      .signal(ctl.signal)
      .handle(async () => undefined)
      .poll(store);
    await expect.poll(() => storeTasksOf(store.context).running, { timeout: 15_000 }).toBe(true);
    // Time passes in 5 s steps, each step's round (started by the timer the loop keeps running) finished first.
    for (let elapsed = 0; elapsed < 4 * MIN; elapsed += pgqrs.SCHEDULE_CHECK_MS) {
      clock.advance(pgqrs.SCHEDULE_CHECK_MS);
      await storeTasksOf(store.context).settled();
    }
    await expect
      .poll(async () => (await scheduled(store, "sq")).filter((t) => t <= "2026-01-01T00:03:00.000Z"), {
        timeout: 15_000,
      })
      .toEqual(isoTimes(Date.parse("2026-01-01T00:01:00Z"), MIN, 3));
    const s = await admin.getSchedule("minutely");
    expect(s.lastStatus).toBe("fired");
    expect(s.nextRunAt?.getTime()).toBeGreaterThan(Date.parse("2026-01-01T00:03:00Z"));
    ctl.abort();
    await loop;
    expect(storeTasksOf(store.context).running).toBe(false);
    const before = (await scheduled(store, "sq")).length;
    clock.advance(10 * MIN);
    for (let i = 0; i < 20; i++) await nextTurn();
    expect((await scheduled(store, "sq")).length).toBe(before);
  });

  it("one firing task per store however many loops: one due-schedules read per SCHEDULE_CHECK_MS", async () => {
    const { store, clock } = await openVirtualStore(backend, LOOP_OPTIONS);
    const admin = pgqrs.admin(store);
    await admin.createQueue("work");
    const backendOps = store.context.backend as { dueSchedules: pgqrs.Store["context"]["backend"]["dueSchedules"] };
    const read = backendOps.dueSchedules;
    let reads = 0;
    backendOps.dueSchedules = (p) => {
      reads += 1;
      return read(p);
    };
    const ctl = new AbortController();
    const consumers = await Promise.all([1, 2, 3, 4].map(() => store.consumer("work")));
    const loops = consumers.map((c) =>
      pgqrs
        .dequeue()
        .worker(c)
        .signal(ctl.signal)
        .handle(async () => undefined)
        .poll(store),
    );
    await expect.poll(() => storeTasksOf(store.context).running, { timeout: 15_000 }).toBe(true);
    for (let i = 0; i < 12; i++) {
      clock.advance(pgqrs.SCHEDULE_CHECK_MS);
      await storeTasksOf(store.context).settled();
    }
    expect(reads).toBe(12);
    ctl.abort();
    await Promise.all(loops);
    expect(storeTasksOf(store.context).running).toBe(false);
    backendOps.dueSchedules = read;
  });

  it("a workflow schedule's run sees its input and run.scheduledAt (fired by the workflow worker's own loop)", async () => {
    const { store, clock } = await openVirtualStore(backend, LOOP_OPTIONS);
    const admin = pgqrs.admin(store);
    const seen: { input: unknown; scheduledAt: string | null }[] = [];
    const def = pgqrs.defineWorkflow({ name: "nightly" }, async (run, input: { region: string }) => {
      seen.push({ input, scheduledAt: run.scheduledAt?.toISOString() ?? null });
      return "ok";
    });
    await store.createWorkflow("nightly");
    await admin.createSchedule({ name: "nightly", cron: "*/10 * * * *", workflow: def, input: { region: "eu" } });
    const consumer = await store.consumer("nightly");
    const loop = pgqrs.workflow().name(def).consumer(consumer).withVt(3600).poll(store);
    await expect.poll(() => storeTasksOf(store.context).running, { timeout: 15_000 }).toBe(true);
    clock.advance(10 * MIN); // the round started on the way saw nothing due yet
    await storeTasksOf(store.context).settled();
    clock.advance(pgqrs.SCHEDULE_CHECK_MS);
    await storeTasksOf(store.context).settled();
    expect((await admin.getSchedule("nightly")).lastStatus).toBe("fired");
    await expect
      .poll(() => seen, { timeout: 15_000 })
      .toEqual([{ input: { region: "eu" }, scheduledAt: "2026-01-01T00:10:00.000Z" }]);
    await consumer.interrupt();
    await loop;
  });

  it("four stores firing at once over six hours: every tick fires exactly once", async () => {
    const t = await openVirtualStore(backend);
    const { clock } = t;
    const others = await Promise.all(
      [1, 2, 3].map(() => pgqrs.connect(t.dsn, { schema: t.schema, clock, connectionTimeoutSeconds: 30 })),
    );
    const stores = [t.store, ...others];
    try {
      const admin = pgqrs.admin(t.store);
      for (const q of ["minutely", "every20s", "hourly"]) await admin.createQueue(q);
      const common = { overlap: "allow", catchUp: "all" } as const;
      await admin.createSchedule({ name: "minutely", cron: "* * * * *", queue: "minutely", ...common });
      await admin.createSchedule({ name: "every20s", cron: "*/20 * * * * *", queue: "every20s", ...common });
      await admin.createSchedule({ name: "hourly", cron: "@hourly", queue: "hourly", overlap: "allow" });
      const start = clock.now().getTime();
      for (let elapsed = 0; elapsed < 6 * HOUR; elapsed += 30_000) {
        clock.advance(30_000);
        await Promise.all(stores.map((s) => fireDueSchedules(s.context)));
      }
      expect(await scheduled(t.store, "minutely")).toEqual(isoTimes(start + MIN, MIN, 360));
      expect(await scheduled(t.store, "every20s")).toEqual(isoTimes(start + 20_000, 20_000, 1080));
      expect(await scheduled(t.store, "hourly")).toEqual(isoTimes(start + HOUR, HOUR, 6));
      const ticks = await admin.listScheduleTicks("every20s", { limit: 1000 });
      expect(ticks.every((k) => k.status === "fired" && k.messageId !== null)).toBe(true);
      expect(new Set(ticks.map((k) => k.messageId)).size).toBe(1000);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  }, 120_000);

  it("a paused schedule fires nothing; resumed, it fires from the next tick on", async () => {
    const { store, clock } = await openVirtualStore(backend);
    const admin = pgqrs.admin(store);
    await admin.createQueue("sq");
    await admin.createSchedule({ name: "p", cron: "*/10 * * * *", queue: "sq", catchUp: "all", paused: true });
    for (let elapsed = 0; elapsed < 3 * HOUR; elapsed += MIN) {
      clock.advance(MIN);
      await fireDueSchedules(store.context);
    }
    expect(await scheduled(store, "sq")).toEqual([]);
    expect(await admin.listScheduleTicks("p")).toEqual([]);
    const resumed = await admin.resumeSchedule("p");
    expect(resumed.nextRunAt).toEqual(new Date("2026-01-01T03:10:00Z"));
    await admin.pauseSchedule("p");
    clock.advance(HOUR);
    await fireDueSchedules(store.context);
    expect(await scheduled(store, "sq")).toEqual([]);
    await admin.resumeSchedule("p");
    clock.advance(10 * MIN);
    await fireDueSchedules(store.context);
    expect(await scheduled(store, "sq")).toEqual(["2026-01-01T04:10:00.000Z"]);
  });

  it("overlap skip: a tick while the previous message or run is unfinished is recorded skipped", async () => {
    const { store, clock } = await openVirtualStore(backend);
    const admin = pgqrs.admin(store);
    await admin.createQueue("sq");
    await admin.createSchedule({ name: "q", cron: "* * * * *", queue: "sq", payload: { job: "sync" } });
    await store.createWorkflow("report");
    await admin.createSchedule({ name: "w", cron: "* * * * *", workflow: "report", input: { region: "eu" } });
    clock.advance(MIN);
    await fireDueSchedules(store.context);
    clock.advance(MIN);
    await fireDueSchedules(store.context);
    const q = await admin.getSchedule("q");
    expect(q.lastStatus).toBe("skipped");
    expect((await admin.listScheduleTicks("q")).map((k) => k.status)).toEqual(["skipped", "fired"]);
    const [message] = await store.context.backend.getMessages([q.lastMessageId as number]);
    expect(message?.payload).toEqual({ job: "sync", scheduledAt: "2026-01-01T00:01:00.000Z" });
    // The workflow's trigger: `{ input, scheduledAt }`, its run QUEUED, the next tick skipped while it is unfinished.
    const w = await admin.getSchedule("w");
    expect(w.lastStatus).toBe("skipped");
    const run = await store
      .tables()
      .workflowRuns()
      .getByMessageId(w.lastMessageId as number);
    expect(run?.status).toBe("QUEUED");
    expect(run?.input).toEqual({ input: { region: "eu" }, scheduledAt: "2026-01-01T00:01:00.000Z" });
    // Finished work lets the next tick fire.
    const consumer = await store.consumer("sq");
    const [held] = await consumer.dequeue({ batchSize: 1, vtSeconds: 60 });
    await consumer.archive(held?.id as number);
    clock.advance(MIN);
    await fireDueSchedules(store.context);
    expect(await scheduled(store, "sq")).toEqual(["2026-01-01T00:01:00.000Z", "2026-01-01T00:03:00.000Z"]);
    // Trigger now: outside the ticks and the overlap rule.
    const now = await admin.triggerSchedule("q");
    expect(now.payload).toEqual({ job: "sync", scheduledAt: clock.now().toISOString() });
    expect((await admin.getSchedule("q")).lastMessageId).toBe(now.id);
  });
});
