import type { QueueRecord, WorkerHealthStats, WorkerRecord, WorkerStatus } from "../../index.js";
import { UsageError } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { type Column, duration, table } from "../output.js";
import { idArg } from "../parse-args.js";

function workerColumns(queues: Map<number, string>, now: Date): Column<WorkerRecord>[] {
  return [
    { header: "ID", get: (w) => w.id, right: true },
    { header: "NAME", get: (w) => w.name },
    { header: "QUEUE", get: (w) => (w.queueId === null ? "(admin)" : (queues.get(w.queueId) ?? w.queueId)) },
    { header: "STATUS", get: (w) => w.status },
    { header: "STARTED", get: (w) => w.startedAt },
    { header: "HEARTBEAT", get: (w) => `${duration(Math.max(0, now.getTime() - w.heartbeatAt.getTime()))} ago` },
  ];
}

const HEALTH_COLUMNS: Column<WorkerHealthStats>[] = [
  { header: "QUEUE", get: (h) => h.queueName },
  { header: "TOTAL", get: (h) => h.totalWorkers, right: true },
  { header: "READY", get: (h) => h.readyWorkers, right: true },
  { header: "POLLING", get: (h) => h.pollingWorkers, right: true },
  { header: "SUSPENDED", get: (h) => h.suspendedWorkers, right: true },
  { header: "INTERRUPTED", get: (h) => h.interruptedWorkers, right: true },
  { header: "STOPPED", get: (h) => h.stoppedWorkers, right: true },
  { header: "STALE", get: (h) => h.staleWorkers, right: true },
];

const STATUSES = ["ready", "polling", "suspended", "interrupted", "stopped"];

function transitionCommand(op: "suspend" | "resume", summary: string, example: string): CommandSpec {
  return {
    name: `worker ${op}`,
    summary,
    args: [{ name: "id", required: true }],
    examples: [example],
    async run(ctx) {
      const id = idArg(ctx.args[0], "worker id", `worker ${op}`);
      const w = await (await ctx.admin()).transitionWorker(id, op);
      return { data: w, human: `Worker ${w.id} (${w.name}) is now ${w.status}.` };
    },
  };
}

export const workerCommands: CommandSpec[] = [
  {
    name: "worker list",
    summary: "List live workers (producers, consumers, workflow workers) with status and heartbeat age",
    details:
      "Stopped workers and ephemeral ones (named __ephemeral__<uuid>: the workers enqueue() and dequeue() use\n" +
      "without a named producer or consumer) are hidden unless --all is given, or --status names their status;\n" +
      "a last line says how many were hidden. `pgqrs worker purge` deletes old stopped workers.",
    flags: {
      all: { type: "boolean", description: "Also show stopped and ephemeral workers" },
      queue: { type: "string", placeholder: "NAME", description: "Only this queue's workers" },
      status: { type: "string", placeholder: "STATUS", description: `Only this status: ${STATUSES.join(", ")}` },
      limit: { type: "int", placeholder: "N", description: "Rows to show (default 100)" },
    },
    examples: [
      "pgqrs worker list",
      "pgqrs worker list --all",
      "pgqrs worker list --queue emails --status polling --json",
    ],
    async run(ctx) {
      const status = ctx.flags.string("status");
      if (status !== undefined && !STATUSES.includes(status)) {
        throw new UsageError(`--status takes ${STATUSES.join(", ")}; got '${status}'`, "worker list");
      }
      const store = await ctx.store();
      const admin = await ctx.admin();
      const queues = new Map((await admin.listQueues()).map((q: QueueRecord) => [q.id, q.queueName]));
      const queueName = ctx.flags.string("queue");
      const queueId = queueName === undefined ? undefined : (await admin.getQueue(queueName)).id;
      const all = ctx.flags.bool("all");
      const filter = {
        ...(queueId === undefined ? {} : { queueId }),
        ...(status === undefined ? {} : { status: status as WorkerStatus }),
      };
      // An explicit --status stopped shows stopped workers; ephemeral ones still need --all.
      const tidy = all ? {} : { hideEphemeral: true, ...(status === undefined ? { hideStopped: true } : {}) };
      const workers = store.tables().workers();
      const rows = await workers.list({ ...filter, ...tidy, limit: ctx.flags.int("limit") ?? 100 });
      const hidden = all ? 0 : (await workers.count(filter)) - (await workers.count({ ...filter, ...tidy }));
      const note =
        hidden === 0
          ? ""
          : `\n${hidden} stopped or ephemeral worker(s) hidden: \`pgqrs worker list --all\` shows them.`;
      return {
        data: rows,
        human: `${table(rows, workerColumns(queues, store.clock.now()), "No live workers.")}${note}`,
      };
    },
  },
  {
    name: "worker health",
    summary: "Worker counts by status; stale = ready/polling with an old heartbeat (exit 1 if any)",
    flags: {
      "by-queue": { type: "boolean", description: "One row per queue" },
      "stale-after": {
        type: "int",
        placeholder: "SECONDS",
        description: "Heartbeat age counted as stale (default 6 heartbeat periods)",
      },
    },
    examples: ["pgqrs worker health", "pgqrs worker health --by-queue --stale-after 60 --json"],
    async run(ctx) {
      const admin = await ctx.admin();
      const after = ctx.flags.int("stale-after");
      const rows = await admin.workerHealthStats({
        groupByQueue: ctx.flags.bool("by-queue"),
        ...(after === undefined ? {} : { heartbeatTimeoutMs: after * 1000 }),
      });
      const stale = rows.reduce((n, r) => n + r.staleWorkers, 0);
      return {
        data: { healthy: stale === 0, groups: rows },
        human: `${table(rows, HEALTH_COLUMNS, "No workers.")}\n${stale === 0 ? "Healthy: no stale workers." : `${stale} stale worker(s): see \`pgqrs worker reclaim\`.`}`,
        ...(stale > 0 ? { exitCode: 1 } : {}),
      };
    },
  },
  transitionCommand(
    "suspend",
    "Suspend a worker by id (its poll loop stops taking work at its next check)",
    "pgqrs worker suspend 7",
  ),
  transitionCommand("resume", "Resume a suspended worker (back to ready)", "pgqrs worker resume 7"),
  {
    name: "worker shutdown",
    summary: "Stop a worker: a polling one is interrupted (finishes in-flight work, then stops itself)",
    details:
      "A polling worker is interrupted: its loop finishes what it holds and the process serving it (e.g. `pgqrs\n" +
      "worker run`) shuts it down. A ready, interrupted or suspended worker is moved to stopped at once; that is\n" +
      "refused while it still holds messages (release them with `pgqrs worker reclaim`).",
    args: [{ name: "id", required: true }],
    examples: ["pgqrs worker shutdown 7"],
    async run(ctx) {
      const id = idArg(ctx.args[0], "worker id", "worker shutdown");
      const admin = await ctx.admin();
      let w = await admin.getWorker(id);
      if (w.status === "polling") {
        w = await admin.transitionWorker(id, "interrupt");
        return { data: w, human: `Worker ${id} interrupted: it stops after its in-flight work.` };
      }
      if (w.status === "stopped") return { data: w, human: `Worker ${id} is already stopped.` };
      if (w.status !== "suspended") w = await admin.transitionWorker(id, "suspend");
      const held = await admin.countWorkerMessages(id);
      if (held > 0) {
        throw new UsageError(
          `worker ${id} holds ${held} message(s); it is suspended. Release them (pgqrs worker reclaim) and retry`,
        );
      }
      w = await admin.transitionWorker(id, "shutdown");
      return { data: w, human: `Worker ${id} stopped.` };
    },
  },
  {
    name: "worker reclaim",
    summary: "Release the messages of a queue's dead workers (no heartbeat for --older-than) and stop them",
    args: [{ name: "queue", required: true }],
    flags: {
      "older-than": {
        type: "int",
        placeholder: "SECONDS",
        description: "Heartbeat age of a dead worker (default 6 heartbeat periods)",
      },
    },
    examples: ["pgqrs worker reclaim emails", "pgqrs worker reclaim emails --older-than 0"],
    async run(ctx) {
      const queue = ctx.args[0] as string;
      const s = ctx.flags.int("older-than");
      const released = await (await ctx.admin()).reclaimMessages(queue, s === undefined ? undefined : s * 1000);
      return { data: { queue, released }, human: `Released ${released} message(s) of dead workers on '${queue}'.` };
    },
  },
  {
    name: "worker purge",
    summary: "Delete stopped workers whose last heartbeat is older than --older-than and that no message references",
    flags: {
      "older-than": {
        type: "int",
        placeholder: "SECONDS",
        description: "Age of the last heartbeat (default 86400: one day)",
      },
    },
    examples: ["pgqrs worker purge", "pgqrs worker purge --older-than 3600 --json"],
    async run(ctx) {
      const s = ctx.flags.int("older-than") ?? 86_400;
      const purged = await (await ctx.admin()).purgeOldWorkers(s * 1000);
      return { data: { purged }, human: `Purged ${purged} stopped worker(s).` };
    },
  },
];
