import { isPgqrsError, type QueueMetrics } from "../../index.js";
import { resolveRetryPolicy } from "../../queue/retry-backoff.js";
import { UsageError } from "../cli-errors.js";
import type { CommandContext, CommandSpec } from "../command.js";
import { type Column, duration, keyValues, table } from "../output.js";
import { hasSettingsFlags, retryCapNote, SETTINGS_FLAGS, settingsFromFlags } from "./queue-settings-flags.js";
import { type SettingsOf, settingsLines, settingsOf, settingsSummary } from "./queue-settings-view.js";

const METRIC_COLUMNS: Column<QueueMetrics>[] = [
  { header: "QUEUE", get: (m) => m.name },
  { header: "PENDING", get: (m) => m.pendingMessages, right: true },
  { header: "DELAYED", get: (m) => m.delayedMessages, right: true },
  { header: "LEASED", get: (m) => m.leasedMessages, right: true },
  { header: "ARCHIVED", get: (m) => m.archivedMessages, right: true },
  { header: "DEAD", get: (m) => m.deadLetteredMessages, right: true },
  { header: "OLDEST PENDING", get: (m) => (m.oldestPendingMessage === null ? "-" : duration(m.oldestPendingAgeMs)) },
];

/** `queue list`: the counts, then what the queue sets (limits, retry). */
const LIST_COLUMNS: Column<QueueMetrics & SettingsOf>[] = [
  ...METRIC_COLUMNS,
  { header: "SETTINGS", get: (m) => settingsSummary(m) },
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
    summary: "Create a queue with its settings (--if-not-exists: an existing one is no error)",
    args: [{ name: "name", required: true }],
    flags: {
      "if-not-exists": {
        type: "boolean",
        description: "An existing queue of that name is not an error (its settings stay: use `queue update`)",
      },
      ...SETTINGS_FLAGS,
    },
    examples: [
      "pgqrs queue create emails",
      "pgqrs queue create emails --if-not-exists",
      "pgqrs queue create reports --concurrency-limit 3 --rate-limit 10/1 --retry-base-ms 500 --max-attempts 8",
    ],
    async run(ctx) {
      const name = ctx.args[0] as string;
      // Checked before anything is read or written.
      const settings = settingsFromFlags(ctx.flags, "queue create");
      notice(ctx, retryCapNote(settings.retry));
      const admin = await ctx.admin();
      const ifNotExists = ctx.flags.bool("if-not-exists");
      const existed = ifNotExists && (await queueExists(ctx, name));
      const q = await admin.createQueue(name, { ...settings, ...(ifNotExists ? { ifNotExists } : {}) });
      if (existed && hasSettingsFlags(ctx.flags)) {
        ctx.err.write(
          `pgqrs: queue '${q.queueName}' exists: its settings are unchanged; set them with \`pgqrs queue update\`\n`,
        );
      }
      return {
        data: { ...q, created: !existed },
        human: existed
          ? `Queue '${q.queueName}' exists (id ${q.id}); nothing created.`
          : `Created queue '${q.queueName}' (id ${q.id}).`,
      };
    },
  },
  {
    name: "queue update",
    summary: "Change a queue's settings: concurrency limit, rate limit, retry policy (none clears one)",
    args: [{ name: "name", required: true }],
    flags: SETTINGS_FLAGS,
    details:
      "A setting whose flag is not given keeps its value; `none` clears it (no limit, or the retry field's default).\n" +
      "The retry flags change the queue's policy field by field. Loops apply new settings at their next\n" +
      "maintenance; the limits hold across every process from the next claim on.",
    examples: [
      "pgqrs queue update emails --concurrency-limit 3",
      "pgqrs queue update emails --rate-limit 100/60 --retry-max-ms 60000",
      "pgqrs queue update emails --concurrency-limit none --rate-limit none --max-attempts none",
    ],
    async run(ctx) {
      const name = ctx.args[0] as string;
      if (!hasSettingsFlags(ctx.flags)) {
        throw new UsageError(
          `nothing to update: give a setting (--${Object.keys(SETTINGS_FLAGS).join(", --")})`,
          "queue update",
        );
      }
      const admin = await ctx.admin();
      const current = await admin.getQueue(name);
      const settings = settingsFromFlags(ctx.flags, "queue update", current.retry);
      notice(ctx, retryCapNote(settings.retry));
      const q = await admin.updateQueue(name, settings);
      const m = await admin.queueMetrics(q);
      return {
        data: q,
        human: `Updated queue '${q.queueName}'.\n${keyValues(settingsLines(q, ctx.config().maxReadCt, m.leasedMessages))}`,
      };
    },
  },
  {
    name: "queue list",
    summary: "List queues with their message counts and settings",
    examples: ["pgqrs queue list", "pgqrs queue list --json"],
    async run(ctx) {
      const admin = await ctx.admin();
      const [metrics, queues] = await Promise.all([admin.allQueuesMetrics(), admin.listQueues()]);
      const byId = new Map(queues.map((q) => [q.id, settingsOf(q)]));
      const none: SettingsOf = { retry: null, concurrencyLimit: null, rateLimit: null };
      const rows = metrics.map((m) => ({ ...m, ...(byId.get(m.queueId) ?? none) }));
      return {
        data: rows,
        human: table(rows, LIST_COLUMNS, "No queues. Create one with `pgqrs queue create NAME`."),
      };
    },
  },
  {
    name: "queue show",
    summary: "One queue: its record, settings and message counts",
    args: [{ name: "name", required: true }],
    examples: ["pgqrs queue show emails", "pgqrs queue show emails --json"],
    async run(ctx) {
      const admin = await ctx.admin();
      const q = await admin.getQueue(ctx.args[0] as string);
      const m = await admin.queueMetrics(q);
      const maxReadCt = ctx.config().maxReadCt;
      return {
        data: { ...q, retryPolicy: resolveRetryPolicy(q, maxReadCt), metrics: m },
        human: `${metricsBlock(m)}\n${keyValues([["created", q.createdAt], ...settingsLines(q, maxReadCt, m.leasedMessages)])}`,
      };
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

async function queueExists(ctx: CommandContext, name: string): Promise<boolean> {
  try {
    await (await ctx.admin()).getQueue(name);
    return true;
  } catch (err) {
    if (isPgqrsError(err, "QUEUE_NOT_FOUND")) return false;
    throw err;
  }
}

/** A line on stderr (stdout stays the result). */
function notice(ctx: CommandContext, line: string | null): void {
  if (line !== null) ctx.err.write(`pgqrs: ${line}\n`);
}
