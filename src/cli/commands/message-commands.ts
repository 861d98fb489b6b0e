import * as pgqrs from "../../index.js";
import type { QueueMessage } from "../../index.js";
import { UsageError } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { type Column, keyValues, preview, table } from "../output.js";
import { idArg } from "../parse-args.js";
import { requireYes, yes } from "./queue-commands.js";

/** Where a message is in its life, for display. */
export function messageState(m: QueueMessage, now: Date): string {
  if (m.deadLetteredAt !== null) return "dead";
  if (m.archivedAt !== null) return "archived";
  if (m.consumerWorkerId !== null && m.vt > now) return "leased";
  if (m.vt > now) return "delayed";
  return "pending";
}

function messageColumns(now: Date): Column<QueueMessage>[] {
  return [
    { header: "ID", get: (m) => m.id, right: true },
    { header: "STATE", get: (m) => messageState(m, now) },
    { header: "READS", get: (m) => m.readCt, right: true },
    { header: "ENQUEUED", get: (m) => m.enqueuedAt },
    { header: "VISIBLE AT", get: (m) => m.vt },
    { header: "CONSUMER", get: (m) => m.consumerWorkerId },
    { header: "PAYLOAD", get: (m) => preview(m.payload) },
  ];
}

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
    },
    examples: [
      `pgqrs message enqueue emails '{"to":"ada@example.com"}'`,
      `pgqrs message enqueue emails '[{"n":1},{"n":2}]' --batch --delay 60`,
    ],
    async run(ctx) {
      const [queue, text] = ctx.args as [string, string];
      const payload = parsePayload(text, "message enqueue");
      if (ctx.flags.bool("batch") && !Array.isArray(payload)) {
        throw new UsageError("--batch needs a JSON array payload", "message enqueue");
      }
      const payloads = ctx.flags.bool("batch") ? (payload as unknown[]) : [payload];
      const ids = await pgqrs
        .enqueue()
        .messages(payloads)
        .to(queue)
        .delay(ctx.flags.int("delay") ?? 0)
        .execute(await ctx.store());
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
    summary: "One message with its full payload",
    args: [{ name: "id", required: true }],
    examples: ["pgqrs message show 42", "pgqrs message show 42 --json"],
    async run(ctx) {
      const store = await ctx.store();
      const m = await (await ctx.admin()).getMessage(idArg(ctx.args[0], "id", "message show"));
      const q = await store.tables().queues().get(m.queueId);
      return {
        data: { ...m, queueName: q?.queueName ?? null, state: messageState(m, store.clock.now()) },
        human: `${keyValues([
          ["id", m.id],
          ["queue", q?.queueName ?? m.queueId],
          ["state", messageState(m, store.clock.now())],
          ["reads", m.readCt],
          ["enqueued", m.enqueuedAt],
          ["visible at", m.vt],
          ["first dequeued", m.dequeuedAt],
          ["producer", m.producerWorkerId],
          ["consumer", m.consumerWorkerId],
          ["archived", m.archivedAt],
          ["dead-lettered", m.deadLetteredAt],
        ])}\npayload:\n${JSON.stringify(m.payload, null, 2)}`,
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
        throw new pgqrs.PgqrsError(
          "VALIDATION_FAILED",
          `Validation failed: message ${id} is not archived or dead-lettered; there is nothing to replay`,
        );
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
    summary: "Dead-letter a queue's exhausted messages (read maxReadCt times), then list its dead letters",
    args: [{ name: "queue", required: true }],
    flags: page,
    examples: ["pgqrs dlq list emails", "pgqrs dlq list emails --json"],
    async run(ctx) {
      const store = await ctx.store();
      const admin = await ctx.admin();
      const queue = ctx.args[0] as string;
      const moved = await admin.dlq(queue);
      const rows = await admin.listDlq(queue, {
        limit: ctx.flags.int("limit") ?? 50,
        offset: ctx.flags.int("offset") ?? 0,
      });
      const note = moved.length > 0 ? `Dead-lettered ${moved.length} exhausted message(s) now.\n` : "";
      return {
        data: { deadLettered: moved, messages: rows },
        human: note + table(rows, messageColumns(store.clock.now()), `No dead letters on '${queue}'.`),
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
