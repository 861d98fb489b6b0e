import * as pgqrs from "../../index.js";
import { resolveMessageOptions } from "../../queue/enqueue-options.js";
import { serializeBatch } from "../../queue/payload-validation.js";
import { resolveEnqueueTimes } from "../../queue/producer.js";
import { assertMessageKey, assertPriority } from "../../validation/queue-settings.js";
import { UsageError } from "../cli-errors.js";
import type { CommandContext, CommandSpec } from "../command.js";
import { table } from "../output.js";
import { idArg } from "../parse-args.js";
import { messageColumns, messageDetails, messageState } from "./message-view.js";
import { requireYes, yes } from "./queue-commands.js";

const page = {
  limit: { type: "int", placeholder: "N", description: "Rows to show (default 50)" },
  offset: { type: "int", placeholder: "N", description: "Rows to skip (default 0)" },
} as const;

function parsePayload(text: string, command: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`the payload must be JSON, got '${text}' (quote it: '{"to":"ada"}')`, command);
  }
}

export const messageCommands: CommandSpec[] = [
  {
    name: "message enqueue",
    summary: "Enqueue a JSON payload (or, with --batch, a JSON array of payloads in one insert)",
    args: [
      { name: "queue", required: true },
      { name: "payload", required: true },
    ],
    flags: {
      delay: { type: "int", placeholder: "SECONDS", description: "Invisible for this long first (default 0)" },
      batch: { type: "boolean", description: "The payload is an array: enqueue each element, all or nothing" },
      priority: {
        type: "string",
        placeholder: "N",
        description: "Claimed before lower priorities, an integer -1000000 to 1000000 (default 0)",
      },
      "dedup-key": {
        type: "string",
        placeholder: "KEY",
        description: "At most one unarchived message of the queue has this key: a duplicate writes nothing",
      },
      "group-key": {
        type: "string",
        placeholder: "KEY",
        description: "Messages of one group are delivered one at a time, in enqueue order",
      },
    },
    examples: [
      `pgqrs message enqueue emails '{"to":"ada@example.com"}'`,
      `pgqrs message enqueue emails '[{"n":1},{"n":2}]' --batch --delay 60`,
      `pgqrs message enqueue emails '{"to":"ada@example.com"}' --priority 10 --dedup-key welcome-ada`,
      `pgqrs message enqueue orders '{"order":7,"step":"pay"}' --group-key order-7`,
    ],
    async run(ctx) {
      const [queue, text] = ctx.args as [string, string];
      const payload = parsePayload(text, "message enqueue");
      const batch = ctx.flags.bool("batch");
      if (batch && !Array.isArray(payload)) {
        throw new UsageError("--batch needs a JSON array payload", "message enqueue");
      }
      const keys = enqueueKeys(ctx);
      if (batch && keys.dedupKey !== undefined) {
        throw new UsageError("--dedup-key takes one payload: enqueue without --batch", "message enqueue");
      }
      const options = { delaySeconds: ctx.flags.int("delay") ?? 0, ...keys };
      const store = await ctx.store();
      // Bad input writes nothing, not even the producer's row: checked before its first use registers it.
      resolveEnqueueTimes(store.clock.now(), options);
      resolveMessageOptions(options, batch ? (payload as unknown[]).length : 1);
      serializeBatch(batch ? (payload as unknown[]) : [payload], store.config.validationConfig);
      const producer = await store.ephemeralProducer(queue);
      const rows = batch
        ? await producer.enqueueBatch(payload as unknown[], options)
        : [await producer.enqueue(payload, options)];
      const ids = rows.map((m) => m.id);
      if (rows[0]?.deduplicated === true) {
        return {
          data: { queue, ids, deduplicated: true },
          human: `Message ${ids[0]} with dedup key '${keys.dedupKey ?? ""}' is already on '${queue}': nothing enqueued.`,
        };
      }
      return { data: { queue, ids }, human: `Enqueued ${ids.length} message(s) on '${queue}': ${ids.join(", ")}` };
    },
  },
  {
    name: "message list",
    summary: "List a queue's messages, newest first",
    args: [{ name: "queue", required: true }],
    flags: {
      state: {
        type: "string",
        placeholder: "STATE",
        description: "active (default: not archived), archived, dead or all",
      },
      ...page,
    },
    examples: ["pgqrs message list emails", "pgqrs message list emails --state archived --limit 10 --json"],
    async run(ctx) {
      const state = ctx.flags.string("state") ?? "active";
      if (!["active", "archived", "dead", "all"].includes(state)) {
        throw new UsageError(`--state takes active, archived, dead or all, got '${state}'`, "message list");
      }
      const store = await ctx.store();
      const q = await (await ctx.admin()).getQueue(ctx.args[0] as string);
      const rows = await store
        .tables()
        .messages()
        .list({
          queueId: q.id,
          state: state as "active",
          limit: ctx.flags.int("limit") ?? 50,
          offset: ctx.flags.int("offset") ?? 0,
        });
      return { data: rows, human: table(rows, messageColumns(store.clock.now()), `No ${state} messages.`) };
    },
  },
  {
    name: "message show",
    summary: "One message with its full payload, progress and last error",
    args: [{ name: "id", required: true }],
    examples: ["pgqrs message show 42", "pgqrs message show 42 --json"],
    async run(ctx) {
      const store = await ctx.store();
      const m = await (await ctx.admin()).getMessage(idArg(ctx.args[0], "id", "message show"));
      const q = await store.tables().queues().get(m.queueId);
      const now = store.clock.now();
      return {
        data: { ...m, queueName: q?.queueName ?? null, state: messageState(m, now) },
        human: messageDetails(m, q?.queueName ?? m.queueId, now),
      };
    },
  },
  {
    name: "message archive",
    summary: "Archive a delivered message as an operator (overrides its consumer's lease)",
    args: [{ name: "id", required: true }],
    examples: ["pgqrs message archive 42"],
    async run(ctx) {
      const id = idArg(ctx.args[0], "id", "message archive");
      const archived = await (await ctx.admin()).archiveMessage(id);
      return {
        data: { id, archived },
        human: archived ? `Archived message ${id}.` : `Message ${id} was already archived.`,
      };
    },
  },
  {
    name: "message delete",
    summary: "Delete messages by id, whoever holds them (with their workflow runs)",
    args: [{ name: "id", required: true, variadic: true }],
    flags: yes,
    examples: ["pgqrs message delete 42 --yes", "pgqrs message delete 42 43 44 --yes --json"],
    async run(ctx) {
      const ids = ctx.args.map((a) => idArg(a, "id", "message delete"));
      requireYes(ctx, `deleting ${ids.length} message(s)`);
      const results = await (await ctx.admin()).deleteMessages(ids);
      const deleted = ids.filter((_, i) => results[i]);
      const missing = ids.filter((_, i) => !results[i]);
      return {
        data: { deleted, missing },
        human: `Deleted ${deleted.length} message(s)${missing.length > 0 ? `; not found: ${missing.join(", ")}` : ""}.`,
        ...(missing.length > 0 && deleted.length === 0 ? { exitCode: 1 } : {}),
      };
    },
  },
  {
    name: "message replay",
    summary: "Put a message back: a dead-lettered one is revived, an archived one is enqueued again as a copy",
    args: [{ name: "id", required: true }],
    examples: ["pgqrs message replay 42"],
    async run(ctx) {
      const id = idArg(ctx.args[0], "id", "message replay");
      const admin = await ctx.admin();
      const store = await ctx.store();
      const m = await admin.getMessage(id);
      const q = await store.tables().queues().get(m.queueId);
      if (q === null) throw new pgqrs.PgqrsError("QUEUE_NOT_FOUND", `Queue with id '${m.queueId}' not found`);
      if (m.deadLetteredAt !== null) {
        await admin.replayDlq(q, id);
        return { data: { id, replayed: "revived", newId: id }, human: `Message ${id} is back on '${q.queueName}'.` };
      }
      if (m.archivedAt === null) {
        throw new pgqrs.ValidationError(`message ${id} is not archived or dead-lettered; there is nothing to replay`);
      }
      const [newId] = await pgqrs.enqueue().message(m.payload).to(q.queueName).execute(store);
      return {
        data: { id, replayed: "copied", newId },
        human: `Enqueued a copy of archived message ${id} on '${q.queueName}' as ${newId}.`,
      };
    },
  },
  {
    name: "dlq list",
    summary: "List a queue's dead letters, newest first, with the error that killed each (reads only)",
    args: [{ name: "queue", required: true }],
    flags: page,
    examples: ["pgqrs dlq list emails", "pgqrs dlq list emails --json"],
    async run(ctx) {
      const store = await ctx.store();
      const queue = ctx.args[0] as string;
      const rows = await (await ctx.admin()).listDlq(queue, {
        limit: ctx.flags.int("limit") ?? 50,
        offset: ctx.flags.int("offset") ?? 0,
      });
      return {
        data: { messages: rows },
        human: table(rows, messageColumns(store.clock.now()), `No dead letters on '${queue}'.`),
      };
    },
  },
  {
    name: "dlq replay",
    summary: "Put dead-lettered messages back (read count 0, visible now); --all for every one",
    args: [
      { name: "queue", required: true },
      { name: "id", required: false, variadic: true },
    ],
    flags: { all: { type: "boolean", description: "Replay every dead letter of the queue" } },
    examples: ["pgqrs dlq replay emails 42", "pgqrs dlq replay emails --all"],
    async run(ctx) {
      const [queue, ...rest] = ctx.args as [string, ...string[]];
      const admin = await ctx.admin();
      let ids = rest.map((a) => idArg(a, "id", "dlq replay"));
      if (ctx.flags.bool("all")) ids = (await admin.listDlq(queue, { limit: 100_000 })).map((m) => m.id);
      else if (ids.length === 0) throw new UsageError("give message ids, or --all", "dlq replay");
      const replayed: number[] = [];
      const missing: number[] = [];
      for (const id of ids) ((await admin.replayDlq(queue, id)) === null ? missing : replayed).push(id);
      return {
        data: { replayed, missing },
        human:
          `Replayed ${replayed.length} message(s) on '${queue}'.` +
          (missing.length > 0 ? ` Not dead letters of '${queue}': ${missing.join(", ")}.` : ""),
        ...(missing.length > 0 && replayed.length === 0 ? { exitCode: 1 } : {}),
      };
    },
  },
];

/** `--priority`, `--dedup-key`, `--group-key`, checked by the library's rules before anything is written. */
function enqueueKeys(ctx: CommandContext): { priority?: number; dedupKey?: string; groupKey?: string } {
  const command = "message enqueue";
  const out: { priority?: number; dedupKey?: string; groupKey?: string } = {};
  const asUsage = <T>(flag: string, check: () => T): T => {
    try {
      return check();
    } catch (err) {
      if (!pgqrs.isPgqrsError(err, "VALIDATION_FAILED")) throw err;
      const reason = typeof err.details.reason === "string" ? err.details.reason : err.message;
      throw new UsageError(`--${flag}: ${reason}; nothing was enqueued`, command);
    }
  };
  const priority = ctx.flags.string("priority");
  if (priority !== undefined) {
    const n = priority.trim() === "" ? Number.NaN : Number(priority);
    out.priority = asUsage("priority", () => assertPriority(n));
  }
  const dedup = ctx.flags.string("dedup-key");
  if (dedup !== undefined) out.dedupKey = asUsage("dedup-key", () => assertMessageKey("dedupKey", dedup));
  const group = ctx.flags.string("group-key");
  if (group !== undefined) out.groupKey = asUsage("group-key", () => assertMessageKey("groupKey", group));
  return out;
}
