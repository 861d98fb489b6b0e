/**
 * `pgqrs schedule …` (issue 18) on each backend: create for a queue and for a workflow (5 and 6 fields, @daily, a
 * timezone), list and show (human and --json), pause and resume, trigger-now writing one message or run with the
 * tick time, delete behind --yes, and bad input (no or two targets, a cron or timezone the library refuses, bad
 * choices, JSON or times, an unknown name) exiting non-zero with the next step and writing nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { storeTasksOf } from "../../src/workers/store-tasks.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

interface Shown {
  id: number;
  name: string;
  cron: string;
  timezone: string;
  workflow: string | null;
  queue: string | null;
  input: unknown;
  payload: unknown;
  overlap: string;
  catchUp: string;
  paused: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastMessageId: number | null;
}
type WithTicks = Shown & { recentTicks: { tickAt: string; status: string; messageId: number | null }[] };

describe.each(BACKENDS)("pgqrs schedule on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;
  const names = async (): Promise<string[]> => (await db.json<Shown[]>("schedule", "list")).map((s) => s.name).sort();

  beforeAll(async () => {
    await db.ok("install");
    await db.ok("queue", "create", "sc_pings");
    await db.ok("workflow", "create", "sc_report");
    store = await pgqrs.connect(db.dsn, { schema: db.schema });
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("creates a schedule for a queue (defaults) and one for a workflow (6 fields, timezone, rules)", async () => {
    const before = Date.now();
    const out = await db.ok(
      "schedule",
      "create",
      "sc_hourly",
      "--cron",
      "0 * * * *",
      "--queue",
      "sc_pings",
      "--payload",
      '{"ping":true}',
    );
    expect(out).toMatch(/^Created schedule 'sc_hourly' \(id \d+\): queue sc_pings, next run \d{4}-\d\d-\d\dT/);
    const hourly = await db.json<Shown>("schedule", "show", "sc_hourly");
    expect(hourly).toMatchObject({
      name: "sc_hourly",
      cron: "0 * * * *",
      timezone: "UTC",
      queue: "sc_pings",
      workflow: null,
      payload: { ping: true },
      overlap: "skip",
      catchUp: "latest",
      paused: false,
      lastRunAt: null,
      lastStatus: null,
    });
    const next = new Date(hourly.nextRunAt ?? 0);
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime()).toBeLessThanOrEqual(before + 3_600_000);
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getUTCSeconds()).toBe(0);

    const report = await db.json<Shown>(
      "schedule",
      "create",
      "sc_report_every_10s",
      "--cron",
      "*/10 * * * * *",
      "--timezone",
      "Europe/Berlin",
      "--workflow",
      "sc_report",
      "--input",
      '{"kind":"daily"}',
      "--overlap",
      "allow",
      "--catch-up",
      "none",
    );
    expect(report).toMatchObject({
      workflow: "sc_report",
      queue: null,
      timezone: "Europe/Berlin",
      input: { kind: "daily" },
      overlap: "allow",
      catchUp: "none",
    });
    expect(new Date(report.nextRunAt ?? 0).getUTCSeconds() % 10).toBe(0);

    const daily = await db.json<Shown>("schedule", "create", "sc_daily", "--cron", "@daily", "--queue", "sc_pings");
    expect(new Date(daily.nextRunAt ?? 0).toISOString()).toMatch(/T00:00:00\.000Z$/);

    // A taken name is an error, unless --if-not-exists: then the schedule stays as it was.
    const taken = await db.run("schedule", "create", "sc_daily", "--cron", "@hourly", "--queue", "sc_pings", "--json");
    expect(taken.code).toBe(1);
    expect(JSON.parse(taken.stdout)).toMatchObject({ error: { code: "SCHEDULE_ALREADY_EXISTS" } });
    expect(
      await db.ok("schedule", "create", "sc_daily", "--cron", "@hourly", "--queue", "sc_pings", "--if-not-exists"),
    ).toMatch(/^Schedule 'sc_daily' exists \(id \d+\); nothing created\./);
    expect((await db.json<Shown>("schedule", "show", "sc_daily")).cron).toBe("@daily");
  });

  it("lists and shows schedules for humans", async () => {
    const list = await db.ok("schedule", "list");
    const [header, ...rows] = list.trim().split("\n");
    expect(header).toMatch(/^NAME\s+CRON\s+TIMEZONE\s+TARGET\s+STATE\s+NEXT RUN\s+LAST RUN\s+LAST$/);
    expect(rows.find((r) => r.startsWith("sc_hourly"))).toMatch(
      /0 \* \* \* \*\s+UTC\s+queue sc_pings\s+active\s+\d{4}-/,
    );
    expect(rows.find((r) => r.startsWith("sc_report_every_10s"))).toContain("workflow sc_report");
    const show = await db.ok("schedule", "show", "sc_report_every_10s");
    expect(show).toMatch(/^schedule\s+sc_report_every_10s \(id \d+\)$/m);
    expect(show).toMatch(/^timezone\s+Europe\/Berlin$/m);
    expect(show).toMatch(/^input\s+\{"kind":"daily"\}$/m);
    expect(show).toMatch(/^overlap\s+allow$/m);
    expect(show).toMatch(/^state\s+active$/m);
  });

  it("refuses bad input with exit 2 and the next step, writing nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["sc_bad", "--cron", "0 * * * *"], /exactly one target: --workflow NAME .* or --queue NAME/],
      [["sc_bad", "--cron", "0 * * * *", "--queue", "sc_pings", "--workflow", "sc_report"], /exactly one target/],
      [["sc_bad", "--queue", "sc_pings"], /needs --cron/],
      [["sc_bad", "--cron", "61 * * * *", "--queue", "sc_pings"], /cron.*\(--cron\); nothing was created/is],
      [
        ["sc_bad", "--cron", "0 * * * *", "--timezone", "Mars/Olympus_Mons", "--queue", "sc_pings"],
        /timezone.*\(--timezone\); nothing was created/is,
      ],
      [
        ["sc_bad", "--cron", "0 * * * *", "--queue", "sc_pings", "--overlap", "sometimes"],
        /--overlap takes skip, allow/,
      ],
      [
        ["sc_bad", "--cron", "0 * * * *", "--queue", "sc_pings", "--catch-up", "most"],
        /--catch-up takes none, latest, all/,
      ],
      [["sc_bad", "--cron", "0 * * * *", "--queue", "sc_pings", "--payload", "{ping}"], /--payload must be JSON/],
      [["sc_bad", "--cron", "0 * * * *", "--queue", "sc_pings", "--input", "{}"], /--input goes with --workflow/],
      [
        ["sc_bad", "--cron", "0 * * * *", "--queue", "sc_pings", "--start-at", "tomorrow"],
        /--start-at must be an ISO time/,
      ],
      [
        ["sc_bad", "--cron", "0 0 1 1 *", "--queue", "sc_pings", "--end-at", "2001-01-02T00:00:00Z"],
        /\(--end-at\); nothing was created|no future tick/i,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await db.run("schedule", "create", ...args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr).toContain("Run 'pgqrs schedule create --help' for usage.");
      expect(r.stdout).toBe("");
    }
    const json = await db.run("schedule", "create", "sc_bad", "--cron", "nope", "--queue", "sc_pings", "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "USAGE" } });
    expect(await names()).toEqual(["sc_daily", "sc_hourly", "sc_report_every_10s"]);
  });

  it("an unknown name exits 1 with SCHEDULE_NOT_FOUND and points at schedule list", async () => {
    for (const verb of ["show", "pause", "resume", "trigger-now"]) {
      const r = await db.run("schedule", verb, "sc_missing");
      expect(r.code, verb).toBe(1);
      expect(r.stderr, verb).toContain("pgqrs schedule list");
    }
    const r = await db.run("schedule", "show", "sc_missing", "--json");
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "SCHEDULE_NOT_FOUND" } });
  });

  it("pauses and resumes", async () => {
    expect(await db.ok("schedule", "pause", "sc_hourly")).toContain(
      "Paused schedule 'sc_hourly'. Resume it with `pgqrs schedule resume sc_hourly`.",
    );
    expect((await db.json<Shown>("schedule", "show", "sc_hourly")).paused).toBe(true);
    expect((await db.ok("schedule", "list")).split("\n").find((l) => l.startsWith("sc_hourly"))).toMatch(/\bpaused\b/);
    expect(await db.ok("schedule", "resume", "sc_hourly")).toMatch(/^Resumed schedule 'sc_hourly': next run \d{4}-/);
    expect((await db.json<Shown>("schedule", "show", "sc_hourly")).paused).toBe(false);
  });

  it("a tick fired by a loop of the database shows as the last run in list, and in show's ticks", async () => {
    const before = await db.json<WithTicks>("schedule", "show", "sc_hourly");
    expect(before.recentTicks).toEqual([]);
    expect(await db.ok("schedule", "show", "sc_hourly")).toContain("none yet: ticks fire while a poll loop");
    // Another process of the database, its clock just past the next tick, runs one round of its loops' tasks.
    const tickAt = before.nextRunAt ?? "";
    const clock = new pgqrs.ManualClock(new Date(new Date(tickAt).getTime() + 1_000));
    const ticking = await pgqrs.connect(db.dsn, { schema: db.schema, clock });
    try {
      await storeTasksOf(ticking.context).runNow();
    } finally {
      await ticking.close();
    }
    const after = await db.json<WithTicks>("schedule", "show", "sc_hourly");
    expect(after).toMatchObject({ lastRunAt: tickAt, lastStatus: "fired" });
    expect(after.recentTicks).toEqual([
      expect.objectContaining({ tickAt, status: "fired", messageId: after.lastMessageId }),
    ]);
    const message = await pgqrs.admin(store).getMessage(after.lastMessageId ?? 0);
    expect(message.payload).toEqual({ ping: true, scheduledAt: tickAt });
    const human = await db.ok("schedule", "show", "sc_hourly");
    const tickText = tickAt.slice(0, 19).replace("T", " ");
    expect(human).toMatch(new RegExp(`^${tickText}\\s+fired\\s+${after.lastMessageId}\\s`, "m"));
    const row = (await db.ok("schedule", "list")).split("\n").find((l) => l.startsWith("sc_hourly"));
    expect(row).toMatch(new RegExp(`${tickText}\\s+fired$`));
  });

  it("trigger-now enqueues the payload with the firing time, or triggers a run, once per call", async () => {
    const queue = await pgqrs.admin(store).getQueue("sc_pings");
    const before = await store.tables().messages().filterByQueue(queue.id);
    const t0 = Date.now();
    expect(await db.ok("schedule", "trigger-now", "sc_hourly")).toMatch(
      /^Fired schedule 'sc_hourly' now: queue sc_pings/,
    );
    const after = await store.tables().messages().filterByQueue(queue.id);
    expect(after.length).toBe(before.length + 1);
    const fired = after.find((m) => !before.some((b) => b.id === m.id));
    const payload = fired?.payload as { ping: boolean; scheduledAt: string };
    expect(payload.ping).toBe(true);
    expect(new Date(payload.scheduledAt).getTime()).toBeGreaterThanOrEqual(t0 - 1_000);

    const wf = await store.tables().workflows().getByName("sc_report");
    const runsBefore = await store
      .tables()
      .workflowRuns()
      .count({ workflowId: wf?.id ?? 0 });
    await db.json("schedule", "trigger-now", "sc_report_every_10s");
    expect(
      await store
        .tables()
        .workflowRuns()
        .count({ workflowId: wf?.id ?? 0 }),
    ).toBe(runsBefore + 1);
  });

  it("delete needs --yes, then the schedule is gone", async () => {
    const refused = await db.run("schedule", "delete", "sc_daily");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("add --yes to confirm");
    expect(await names()).toContain("sc_daily");
    expect(await db.ok("schedule", "delete", "sc_daily", "--yes")).toContain("Deleted schedule 'sc_daily'.");
    expect(await names()).toEqual(["sc_hourly", "sc_report_every_10s"]);
    expect((await db.run("schedule", "delete", "sc_daily", "--yes")).code).toBe(1);
  });
});
