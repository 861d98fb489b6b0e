/** `pgqrs retention run`: apply the retention policies now, or purge archived messages older than a duration. */
import type { RetentionProgress } from "../../index.js";
import type { CommandContext, CommandSpec } from "../command.js";
import { keyValues } from "../output.js";

/** Progress on stderr after each batch: redrawn on a terminal, a line every 10 batches otherwise; none with --json. */
function progressReporter(ctx: CommandContext): { onProgress: (p: RetentionProgress) => void; finish: () => void } {
  const tty = ctx.err.isTTY === true;
  let drawn = false;
  const line = (p: RetentionProgress) =>
    `pgqrs: deleted ${p.messages} message(s), ${p.runs} run(s) in ${p.batches} batch(es)`;
  return {
    onProgress: (p) => {
      if (ctx.json) return;
      if (tty) {
        ctx.err.write(`\r\x1b[K${line(p)}`);
        drawn = true;
      } else if (p.batches % 10 === 0) {
        ctx.err.write(`${line(p)}\n`);
      }
    },
    finish: () => {
      if (drawn) ctx.err.write("\n");
    },
  };
}

const period = (ms: number | false) => (ms === false ? "kept forever" : formatMs(ms));

/** `604800000` → `"7d"`: the largest unit that divides it. */
function formatMs(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export const retentionCommands: CommandSpec[] = [
  {
    name: "retention show",
    summary: "The retention in force for a queue or workflow (defaults: archived 7d, dead letters 30d, runs 30d)",
    args: [{ name: "name", required: true }],
    examples: ["pgqrs retention show emails", "pgqrs retention show emails --json"],
    async run(ctx) {
      const p = await (await ctx.admin()).getRetention(ctx.args[0] as string);
      return {
        data: p,
        human: keyValues([
          ["name", p.name],
          ["archived", period(p.archivedMs)],
          ["dead letters", period(p.deadLettersMs)],
          ["finished runs", period(p.finishedRunsMs)],
          ["policy", p.isDefault ? "defaults" : `set ${p.updatedAt?.toISOString() ?? ""}`],
        ]),
      };
    },
  },
  {
    name: "retention run",
    summary: "Delete what the retention policies let go now (or, with --older-than, everything archived before)",
    flags: {
      queue: { type: "string", description: "Only this queue or workflow", placeholder: "NAME" },
      "older-than": {
        type: "string",
        description: "Ignore the policies: delete messages archived longer ago than this (30s, 15m, 12h, 7d)",
        placeholder: "DURATION",
      },
      "dead-letters": { type: "boolean", description: "With --older-than: dead-lettered messages too" },
      "batch-size": {
        type: "int",
        description: "Messages per batch (one transaction each; default 1000)",
        placeholder: "N",
      },
    },
    examples: [
      "pgqrs retention run",
      "pgqrs retention run --queue emails --older-than 7d",
      "pgqrs retention run --older-than 30d --dead-letters --json",
    ],
    details:
      "Retention is on by default: archived messages are kept 7 days, dead letters 30 days and finished workflow runs " +
      "30 days (see admin(store).setRetention). Running workers already sweep a few batches a minute; this command " +
      "catches up at once, in batches of --batch-size rows so it never holds long locks.",
    async run(ctx) {
      const admin = await ctx.admin();
      const queue = ctx.flags.string("queue");
      const olderThan = ctx.flags.string("older-than");
      const batchSize = ctx.flags.int("batch-size");
      const progress = progressReporter(ctx);
      const common = {
        ...(queue === undefined ? {} : { queue }),
        ...(batchSize === undefined ? {} : { batchSize }),
        onProgress: progress.onProgress,
      };
      const r =
        olderThan === undefined
          ? await admin.runRetention(common)
          : await admin.purgeArchived({ ...common, olderThan, deadLetters: ctx.flags.bool("dead-letters") });
      progress.finish();
      const data = {
        messages: r.messages,
        runs: r.runs,
        batches: r.batches,
        mode: olderThan === undefined ? "policies" : "older-than",
        ...(olderThan === undefined ? {} : { olderThan }),
        ...(queue === undefined ? {} : { queue }),
      };
      return {
        data,
        human: keyValues([
          ["deleted messages", data.messages],
          ["deleted runs", data.runs],
          ["batches", data.batches],
          ["by", olderThan === undefined ? "retention policies" : `archived more than ${olderThan} ago`],
        ]),
      };
    },
  },
];
