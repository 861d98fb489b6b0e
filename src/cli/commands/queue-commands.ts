import type { QueueMetrics } from "../../index.js";
import { UsageError } from "../cli-errors.js";
import type { CommandContext, CommandSpec } from "../command.js";
import { type Column, duration, keyValues, table } from "../output.js";

const METRIC_COLUMNS: Column<QueueMetrics>[] = [
  { header: "QUEUE", get: (m) => m.name },
  { header: "PENDING", get: (m) => m.pendingMessages, right: true },
  { header: "DELAYED", get: (m) => m.delayedMessages, right: true },
  { header: "LEASED", get: (m) => m.leasedMessages, right: true },
  { header: "ARCHIVED", get: (m) => m.archivedMessages, right: true },
  { header: "DEAD", get: (m) => m.deadLetteredMessages, right: true },
  { header: "OLDEST PENDING", get: (m) => (m.oldestPendingMessage === null ? "-" : duration(m.oldestPendingAgeMs)) },
];

function metricsBlock(m: QueueMetrics): string {
  return keyValues([
    ["queue", `${m.name} (id ${m.queueId})`],
    ["unarchived", m.activeMessages],
    ["  pending", m.pendingMessages],
    ["  delayed", m.delayedMessages],
    ["  leased", m.leasedMessages],
    ["archived", m.archivedMessages],
    ["dead-lettered", m.deadLetteredMessages],
    ["oldest pending", m.oldestPendingMessage === null ? "-" : `${duration(m.oldestPendingAgeMs)} old`],
    ["newest message", m.newestMessage],
  ]);
}

/** Destructive commands need `--yes`. */
export function requireYes(ctx: CommandContext, what: string): void {
  if (!ctx.flags.bool("yes")) throw new UsageError(`${what} deletes data; add --yes to confirm`);
}

export const yes = { yes: { type: "boolean", description: "Confirm a destructive action" } } as const;

export const queueCommands: CommandSpec[] = [
  {
    name: "queue create",
    summary: "Create a queue",
    args: [{ name: "name", required: true }],
    examples: ["pgqrs queue create emails"],
    async run(ctx) {
      const q = await (await ctx.admin()).createQueue(ctx.args[0] as string);
      return { data: q, human: `Created queue '${q.queueName}' (id ${q.id}).` };
    },
  },
  {
    name: "queue list",
    summary: "List queues with their message counts",
    examples: ["pgqrs queue list", "pgqrs queue list --json"],
    async run(ctx) {
      const metrics = await (await ctx.admin()).allQueuesMetrics();
      return {
        data: metrics,
        human: table(metrics, METRIC_COLUMNS, "No queues. Create one with `pgqrs queue create NAME`."),
      };
    },
  },
  {
    name: "queue show",
    summary: "One queue: its record and message counts",
    args: [{ name: "name", required: true }],
    examples: ["pgqrs queue show emails"],
    async run(ctx) {
      const admin = await ctx.admin();
      const q = await admin.getQueue(ctx.args[0] as string);
      const m = await admin.queueMetrics(q);
      return { data: { ...q, metrics: m }, human: `${metricsBlock(m)}\n${keyValues([["created", q.createdAt]])}` };
    },
  },
  {
    name: "queue metrics",
    summary: "Message counts of one queue, or of all queues",
    args: [{ name: "name", required: false }],
    examples: ["pgqrs queue metrics emails", "pgqrs queue metrics --json"],
    async run(ctx) {
      const admin = await ctx.admin();
      const name = ctx.args[0];
      if (name === undefined) {
        const all = await admin.allQueuesMetrics();
        return { data: all, human: table(all, METRIC_COLUMNS, "No queues.") };
      }
      const m = await admin.queueMetrics(name);
      return { data: m, human: metricsBlock(m) };
    },
  },
  {
    name: "queue purge",
    summary: "Delete every message of a queue (with its workflow runs) and its workers",
    args: [{ name: "name", required: true }],
    flags: yes,
    examples: ["pgqrs queue purge emails --yes"],
    async run(ctx) {
      const name = ctx.args[0] as string;
      requireYes(ctx, `purging queue '${name}'`);
      await (await ctx.admin()).purgeQueue(name);
      return { data: { purged: name }, human: `Purged queue '${name}'.` };
    },
  },
  {
    name: "queue delete",
    summary: "Delete an empty queue (refused while it has messages or live workers: purge first)",
    args: [{ name: "name", required: true }],
    flags: yes,
    examples: ["pgqrs queue delete emails --yes", "pgqrs queue purge emails --yes && pgqrs queue delete emails --yes"],
    async run(ctx) {
      const name = ctx.args[0] as string;
      requireYes(ctx, `deleting queue '${name}'`);
      await (await ctx.admin()).deleteQueue(name);
      return { data: { deleted: name }, human: `Deleted queue '${name}'.` };
    },
  },
];
