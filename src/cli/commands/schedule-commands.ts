/**
 * `pgqrs schedule …`: cron schedules that trigger a workflow or enqueue to a queue (issue 18), through
 * `admin(store).createSchedule` and friends. Flags the CLI can check alone (JSON, dates, choices, exactly one
 * target) are usage errors before anything is read; the library's own checks (cron, timezone, a schedule with no
 * future tick) are turned into usage errors naming the flag, with nothing written.
 */
import type { Admin } from "../../admin/admin.js";
import type { ScheduleTickRecord } from "../../store/schedule-store.js";
import { isPgqrsError } from "../../errors.js";
import { UsageError } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { type Column, keyValues, preview, table } from "../output.js";
import { requireYes, yes } from "./queue-commands.js";
import { asUsage, choiceFlag, jsonFlag, named, timeFlag } from "./schedule-flags.js";
import { type Schedule, scheduleState, scheduleTarget } from "./schedule-view.js";

const CREATE_FLAGS = {
  cron: {
    type: "string",
    placeholder: "EXPR",
    description: "When it fires: 5 fields (min hour day month weekday), 6 (seconds first) or @hourly/@daily/@weekly/…",
  },
  timezone: {
    type: "string",
    placeholder: "TZ",
    description: "IANA zone the cron is read in, e.g. Europe/Berlin (default UTC)",
  },
  workflow: { type: "string", placeholder: "NAME", description: "Trigger a run of this workflow at each tick" },
  queue: { type: "string", placeholder: "NAME", description: "Enqueue a message to this queue at each tick" },
  input: { type: "string", placeholder: "JSON", description: "The workflow runs' input (with --workflow)" },
  payload: { type: "string", placeholder: "JSON", description: "The messages' payload object (with --queue)" },
  overlap: {
    type: "string",
    placeholder: "RULE",
    description: "skip (default: no new firing while the last one is unfinished) or allow",
  },
  "catch-up": {
    type: "string",
    placeholder: "RULE",
    description: "Ticks missed while nothing ran: latest (default, one firing), none or all",
  },
  "start-at": { type: "string", placeholder: "TIME", description: "No tick before this ISO time" },
  "end-at": { type: "string", placeholder: "TIME", description: "No tick at or after this ISO time" },
  "if-not-exists": {
    type: "boolean",
    description: "An existing schedule of that name is not an error (it stays as it is)",
  },
} as const;

const LIST_COLUMNS: Column<Schedule>[] = [
  { header: "NAME", get: (s) => s.name },
  { header: "CRON", get: (s) => s.cron },
  { header: "TIMEZONE", get: (s) => s.timezone },
  { header: "TARGET", get: (s) => scheduleTarget(s) },
  { header: "STATE", get: (s) => scheduleState(s) },
  { header: "NEXT RUN", get: (s) => s.nextRunAt },
  { header: "LAST RUN", get: (s) => s.lastRunAt },
  { header: "LAST", get: (s) => s.lastStatus },
];

/** Ticks `schedule show` lists. */
const RECENT_TICKS = 10;

const TICK_COLUMNS: Column<ScheduleTickRecord>[] = [
  { header: "TICK", get: (t) => t.tickAt },
  { header: "STATUS", get: (t) => t.status },
  { header: "MESSAGE", get: (t) => t.messageId, right: true },
  { header: "FIRED AT", get: (t) => t.firedAt },
];

function details(s: Schedule): string {
  return keyValues([
    ["schedule", `${s.name} (id ${s.id})`],
    ["cron", s.cron],
    ["timezone", s.timezone],
    ["target", scheduleTarget(s)],
    [s.workflow !== null ? "input" : "payload", preview(s.workflow !== null ? s.input : s.payload, 200)],
    ["overlap", s.overlap],
    ["catch-up", s.catchUp],
    ["starts", s.startAt],
    ["ends", s.endAt],
    ["state", scheduleState(s)],
    ["next run", s.nextRunAt],
    ["last run", s.lastRunAt],
    ["last status", s.lastStatus],
    ["last message", s.lastMessageId],
    ["created", s.createdAt],
  ]);
}

const nameArg = [{ name: "name", required: true }];

export const scheduleCommands: CommandSpec[] = [
  {
    name: "schedule create",
    summary: "Create a cron schedule that triggers a workflow or enqueues to a queue",
    args: nameArg,
    flags: CREATE_FLAGS,
    details:
      "Exactly one of --workflow and --queue. A workflow's runs get --input and see the tick time as\n" +
      "`scheduledAt`; a queue's messages are --payload plus `scheduledAt` (the tick, ISO). Each tick fires once\n" +
      "across every process that runs a loop of this database (`pgqrs worker run`, workflow workers, handler loops).",
    examples: [
      `pgqrs schedule create nightly-report --cron "0 2 * * *" --timezone Europe/Berlin --workflow report --input '{"kind":"daily"}'`,
      `pgqrs schedule create heartbeat --cron "*/30 * * * * *" --queue pings --payload '{"ping":true}' --overlap allow`,
      `pgqrs schedule create cleanup --cron @daily --queue maintenance --catch-up none --if-not-exists`,
    ],
    async run(ctx) {
      const name = ctx.args[0] as string;
      const cron = ctx.flags.string("cron");
      if (cron === undefined) {
        throw new UsageError(
          `'schedule create' needs --cron, e.g. --cron "0 2 * * *" or --cron @daily`,
          "schedule create",
        );
      }
      const workflow = ctx.flags.string("workflow");
      const queue = ctx.flags.string("queue");
      if ((workflow === undefined) === (queue === undefined)) {
        throw new UsageError(
          "give exactly one target: --workflow NAME (trigger a run) or --queue NAME (enqueue a message)",
          "schedule create",
        );
      }
      const input = jsonFlag(ctx, "input");
      const payload = jsonFlag(ctx, "payload");
      if (workflow !== undefined && payload !== undefined) {
        throw new UsageError("--payload goes with --queue; a workflow's runs take --input", "schedule create");
      }
      if (queue !== undefined && input !== undefined) {
        throw new UsageError("--input goes with --workflow; a queue's messages take --payload", "schedule create");
      }
      const timezone = ctx.flags.string("timezone");
      const overlap = choiceFlag(ctx, "overlap", ["skip", "allow"] as const);
      const catchUp = choiceFlag(ctx, "catch-up", ["none", "latest", "all"] as const);
      const startAt = timeFlag(ctx, "start-at");
      const endAt = timeFlag(ctx, "end-at");
      const admin = await ctx.admin();
      const ifNotExists = ctx.flags.bool("if-not-exists");
      const existed = ifNotExists && (await scheduleExists(admin, name));
      let created: Schedule;
      try {
        created = await admin.createSchedule({
          name,
          cron,
          ...(timezone === undefined ? {} : { timezone }),
          ...(workflow === undefined ? {} : { workflow }),
          ...(queue === undefined ? {} : { queue }),
          ...(input === undefined ? {} : { input }),
          ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
          ...(overlap === undefined ? {} : { overlap }),
          ...(catchUp === undefined ? {} : { catchUp }),
          ...(startAt === undefined ? {} : { startAt }),
          ...(endAt === undefined ? {} : { endAt }),
          ...(ifNotExists ? { ifNotExists } : {}),
        });
      } catch (err) {
        throw asUsage(err);
      }
      if (existed) {
        return {
          data: { ...created, created: false },
          human: `Schedule '${created.name}' exists (id ${created.id}); nothing created.`,
        };
      }
      return {
        data: { ...created, created: true },
        human: `Created schedule '${created.name}' (id ${created.id}): ${scheduleTarget(created)}, next run ${
          created.nextRunAt === null ? "none" : created.nextRunAt.toISOString()
        }.`,
      };
    },
  },
  {
    name: "schedule list",
    summary: "List schedules with their next and last runs",
    examples: ["pgqrs schedule list", "pgqrs schedule list --json"],
    async run(ctx) {
      const rows = await (await ctx.admin()).listSchedules();
      return {
        data: rows,
        human: table(rows, LIST_COLUMNS, "No schedules. Create one with `pgqrs schedule create NAME --cron EXPR …`."),
      };
    },
  },
  {
    name: "schedule show",
    summary: "One schedule: its definition, next run, last firing and its last 10 ticks",
    args: nameArg,
    examples: ["pgqrs schedule show nightly-report", "pgqrs schedule show nightly-report --json"],
    async run(ctx) {
      const admin = await ctx.admin();
      const s = await named(ctx, (name) => admin.getSchedule(name));
      const recentTicks = await admin.listScheduleTicks(s.name, { limit: RECENT_TICKS });
      return {
        data: { ...s, recentTicks },
        human: `${details(s)}\n\nLast ${RECENT_TICKS} ticks, newest first:\n${table(
          recentTicks,
          TICK_COLUMNS,
          "  none yet: ticks fire while a poll loop of this database runs (e.g. `pgqrs worker run`)",
        )}`,
      };
    },
  },
  {
    name: "schedule pause",
    summary: "Stop a schedule firing until resumed (its ticks meanwhile follow its catch-up rule)",
    args: nameArg,
    examples: ["pgqrs schedule pause nightly-report"],
    async run(ctx) {
      const admin = await ctx.admin();
      const s = await named(ctx, (name) => admin.pauseSchedule(name));
      return { data: s, human: `Paused schedule '${s.name}'. Resume it with \`pgqrs schedule resume ${s.name}\`.` };
    },
  },
  {
    name: "schedule resume",
    summary: "Let a paused schedule fire again",
    args: nameArg,
    examples: ["pgqrs schedule resume nightly-report"],
    async run(ctx) {
      const admin = await ctx.admin();
      const s = await named(ctx, (name) => admin.resumeSchedule(name));
      const next = s.nextRunAt === null ? "none" : s.nextRunAt.toISOString();
      return { data: s, human: `Resumed schedule '${s.name}': next run ${next}.` };
    },
  },
  {
    name: "schedule trigger-now",
    summary: "Fire a schedule once now, besides its ticks (paused or not)",
    args: nameArg,
    examples: ["pgqrs schedule trigger-now nightly-report", "pgqrs schedule trigger-now nightly-report --json"],
    async run(ctx) {
      const admin = await ctx.admin();
      const fired = await named(ctx, (name) => admin.triggerSchedule(name));
      const s = await admin.getSchedule(ctx.args[0] as string);
      return {
        data: fired,
        human: `Fired schedule '${s.name}' now: ${scheduleTarget(s)}${firedMessage(fired)}.`,
      };
    },
  },
  {
    name: "schedule delete",
    summary: "Delete a schedule (runs and messages it made stay)",
    args: nameArg,
    flags: yes,
    examples: ["pgqrs schedule delete nightly-report --yes"],
    async run(ctx) {
      const name = ctx.args[0] as string;
      requireYes(ctx, `deleting schedule '${name}'`);
      const admin = await ctx.admin();
      await named(ctx, (n) => admin.deleteSchedule(n));
      return { data: { deleted: name }, human: `Deleted schedule '${name}'.` };
    },
  },
];

async function scheduleExists(admin: Admin, name: string): Promise<boolean> {
  try {
    await admin.getSchedule(name);
    return true;
  } catch (err) {
    if (isPgqrsError(err, "SCHEDULE_NOT_FOUND")) return false;
    throw err;
  }
}

/** `, message 42` when the firing says which message it wrote. */
function firedMessage(fired: unknown): string {
  if (typeof fired === "object" && fired !== null && "id" in fired) {
    const id = (fired as { id: unknown }).id;
    if (typeof id === "number") return `, message ${id}`;
  }
  return "";
}
