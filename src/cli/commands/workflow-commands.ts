import * as pgqrs from "../../index.js";
import type { WorkflowRecord, WorkflowStatus } from "../../index.js";
import { UsageError } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { table } from "../output.js";
import { idArg } from "../parse-args.js";
import { CommandInterrupted, interruptibly } from "../signal-interrupt.js";
import { workflowMessageCommands } from "./workflow-message-commands.js";
import { workflowOperationCommands } from "./workflow-operation-commands.js";
import { workflowRunCommands } from "./workflow-run-commands.js";
import { watchWorkers } from "./workflow-liveness.js";
import { describeWait, findRun, RUN_SUMMARY_COLUMNS, runsAfterOffset, timeFlag } from "./workflow-run-view.js";

/** `--run` of `workflow cancel` and `workflow result`, whose id is otherwise the trigger message's. */
const byRun = {
  run: { type: "boolean", description: "The id is the run's (as `workflow runs` lists it), not its trigger message's" },
} as const;

export const workflowCommands: CommandSpec[] = [
  {
    name: "workflow create",
    summary: "Create a workflow definition and its queue (idempotent)",
    args: [{ name: "name", required: true }],
    examples: ["pgqrs workflow create process_task"],
    async run(ctx) {
      const wf = await (await ctx.store()).createWorkflow(ctx.args[0] as string);
      return { data: wf, human: `Workflow '${wf.name}' (id ${wf.id}, queue id ${wf.queueId}) is defined.` };
    },
  },
  {
    name: "workflow list",
    summary: "List workflows with their run counts by status",
    examples: ["pgqrs workflow list", "pgqrs workflow list --json"],
    async run(ctx) {
      const store = await ctx.store();
      const runs = store.tables().workflowRuns();
      const workflows = await store.tables().workflows().list();
      const rows = await Promise.all(
        workflows.map(async (wf: WorkflowRecord) => {
          const counts: Partial<Record<WorkflowStatus, number>> = {};
          for (const status of pgqrs.WORKFLOW_STATUSES) {
            const n = await runs.count({ workflowId: wf.id, status });
            if (n > 0) counts[status] = n;
          }
          return { ...wf, runs: counts };
        }),
      );
      const n = (r: (typeof rows)[number], s: WorkflowStatus) => r.runs[s] ?? 0;
      return {
        data: rows,
        human: table(
          rows,
          [
            { header: "WORKFLOW", get: (r) => r.name },
            { header: "ID", get: (r) => r.id, right: true },
            { header: "QUEUED", get: (r) => n(r, "QUEUED"), right: true },
            { header: "RUNNING", get: (r) => n(r, "RUNNING") + n(r, "PAUSED"), right: true },
            { header: "SUCCESS", get: (r) => n(r, "SUCCESS"), right: true },
            { header: "ERROR", get: (r) => n(r, "ERROR"), right: true },
            { header: "CANCELLED", get: (r) => n(r, "CANCELLED") + n(r, "CANCELLING"), right: true },
            { header: "CREATED", get: (r) => r.createdAt },
          ],
          "No workflows. Define one with `pgqrs workflow create NAME`.",
        ),
      };
    },
  },
  {
    name: "workflow trigger",
    summary: "Start a run: enqueue a trigger with a JSON input (a worker must serve the workflow)",
    args: [
      { name: "name", required: true },
      { name: "input", required: false },
    ],
    flags: {
      wait: {
        type: "boolean",
        description: "Wait for the run's result and print it (warns on stderr when no live worker serves it)",
      },
      timeout: {
        type: "int",
        placeholder: "SECONDS",
        description: "With --wait: give up after this long (default 60)",
      },
    },
    examples: [
      `pgqrs workflow trigger process_task '{"id":1}'`,
      `pgqrs workflow trigger process_task '{"id":2}' --wait --timeout 30`,
    ],
    async run(ctx) {
      const [name, text] = ctx.args as [string, string | undefined];
      let input: unknown = null;
      if (text !== undefined) {
        try {
          input = JSON.parse(text);
        } catch {
          throw new UsageError(`the input must be JSON, got '${text}'`, "workflow trigger");
        }
      }
      const store = await ctx.store();
      const msg = await pgqrs.workflow(name).trigger(input).execute(store);
      if (!ctx.flags.bool("wait")) {
        return {
          data: { workflow: name, messageId: msg.id },
          human: `Triggered '${name}': message ${msg.id}. Follow it with \`pgqrs workflow result ${msg.id} --wait\`.`,
        };
      }
      if (!ctx.json) ctx.err.write(`Triggered '${name}' (message ${msg.id}); waiting for the result…\n`);
      // Warn at once (and again if workers go away) when no live worker serves the workflow.
      const watch = watchWorkers(store, name, msg.queueId, (text) => ctx.err.write(text));
      let output: unknown;
      try {
        // Ctrl-C or SIGTERM ends the wait so the CLI closes the store: the trigger's ephemeral producer is stopped,
        // not left `ready` for `worker health` to report stale (nothing serving the queue would ever reclaim it).
        const timeoutMs = (ctx.flags.int("timeout") ?? 60) * 1000;
        output = await interruptibly((signal) => msg.result({ timeoutMs, signal }));
      } catch (err) {
        if (err instanceof CommandInterrupted && !ctx.json) {
          ctx.err.write(
            `${err.signal}: stopped waiting. The run was triggered and goes on; wait for it with ` +
              `\`pgqrs workflow result ${msg.id} --wait\`\n`,
          );
        }
        // Running the command again would trigger a second run: point at the run that is already there.
        if (!pgqrs.isPgqrsError(err, "TIMEOUT")) throw err;
        throw new pgqrs.PgqrsError(
          "TIMEOUT",
          `${err.message}. The run was triggered once and is still pending: do not retry this command (it would ` +
            `start a second run); wait for this one with \`pgqrs workflow result ${msg.id} --wait\``,
          { cause: err, details: { messageId: msg.id } },
        );
      } finally {
        watch.stop();
      }
      return { data: { workflow: name, messageId: msg.id, output }, human: JSON.stringify(output, null, 2) };
    },
  },
  {
    name: "workflow runs",
    summary: "List a workflow's runs, newest first, with what each paused run waits for",
    args: [{ name: "name", required: true }],
    flags: {
      status: { type: "string", placeholder: "STATUS", description: pgqrs.WORKFLOW_STATUSES.join(", ") },
      since: { type: "string", placeholder: "TIME", description: "Runs created at or after: ISO time or age (2h, 7d)" },
      until: { type: "string", placeholder: "TIME", description: "Runs created before: ISO time or age (2h, 7d)" },
      limit: { type: "int", placeholder: "N", description: "Rows to show, 1 to 1000 (default 50)" },
      cursor: {
        type: "string",
        placeholder: "CURSOR",
        description: "Show the page after this one (printed on stderr)",
      },
      offset: { type: "int", placeholder: "N", description: "Rows to skip" },
      version: {
        type: "string",
        placeholder: "VERSION",
        description: "Runs of this workflow version (defineWorkflow({ version }))",
      },
    },
    examples: [
      "pgqrs workflow runs process_task",
      "pgqrs workflow runs process_task --status ERROR --since 24h --json",
      "pgqrs workflow runs process_task --version v1 --status RUNNING",
    ],
    async run(ctx) {
      const command = "workflow runs";
      const status = ctx.flags.string("status")?.toUpperCase();
      if (status !== undefined && !pgqrs.WORKFLOW_STATUSES.includes(status as WorkflowStatus)) {
        throw new UsageError(`--status takes ${pgqrs.WORKFLOW_STATUSES.join(", ")}; got '${status}'`, command);
      }
      const store = await ctx.store();
      const now = store.clock.now();
      const since = timeFlag(ctx.flags.string("since"), "since", now, command);
      const until = timeFlag(ctx.flags.string("until"), "until", now, command);
      const cursor = ctx.flags.string("cursor");
      const version = ctx.flags.string("version");
      const page = await runsAfterOffset(
        await ctx.admin(),
        {
          workflow: ctx.args[0] as string,
          limit: ctx.flags.int("limit") ?? 50,
          ...(status === undefined ? {} : { status: status as WorkflowStatus }),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
          ...(cursor === undefined ? {} : { cursor }),
          ...(version === undefined ? {} : { version }),
        },
        ctx.flags.int("offset") ?? 0,
      );
      // stdout keeps one shape (a table, or a JSON array of runs); how to read on goes to stderr.
      if (page.nextCursor !== null) ctx.err.write(`More runs: add --cursor ${page.nextCursor}\n`);
      return {
        data: page.runs.map((r) => ({ ...r, waiting: describeWait(r.waitingFor) })),
        human: table(page.runs, RUN_SUMMARY_COLUMNS, "No runs."),
      };
    },
  },
  ...workflowRunCommands,
  ...workflowMessageCommands,
  ...workflowOperationCommands,
  {
    name: "workflow cancel",
    summary: "Cancel the run of a trigger message (at its next step boundary)",
    args: [{ name: "id", required: true }],
    flags: byRun,
    examples: ["pgqrs workflow cancel 57", "pgqrs workflow cancel 12 --run"],
    async run(ctx) {
      const store = await ctx.store();
      const id = await triggerMessageId(ctx.args[0], ctx.flags.bool("run"), store, "workflow cancel");
      const m = await (await ctx.admin()).getMessage(id);
      const wf = (await store.tables().workflows().list()).find((w) => w.queueId === m.queueId);
      if (wf === undefined) {
        throw new pgqrs.ValidationError(`message ${id} is not a workflow trigger`, { messageId: id });
      }
      const run = await pgqrs.workflow(wf.name).cancel(id, store);
      return { data: run, human: `Run ${run.id} of '${wf.name}' is ${run.status}.` };
    },
  },
  {
    name: "workflow result",
    summary: "The output of the run of a trigger message (exit 1 if it failed or was cancelled)",
    args: [{ name: "id", required: true }],
    flags: {
      ...byRun,
      wait: { type: "boolean", description: "Wait until the run finishes" },
      timeout: {
        type: "int",
        placeholder: "SECONDS",
        description: "With --wait: give up after this long (default 60)",
      },
    },
    examples: [
      "pgqrs workflow result 57",
      "pgqrs workflow result 57 --wait --timeout 120 --json",
      "pgqrs workflow result 12 --run",
    ],
    async run(ctx) {
      const store = await ctx.store();
      const id = await triggerMessageId(ctx.args[0], ctx.flags.bool("run"), store, "workflow result");
      const m = await (await ctx.admin()).getMessage(id);
      const builder = pgqrs.run().message(m).store(store);
      if (ctx.flags.bool("wait")) {
        const output = await builder.result({ timeoutMs: (ctx.flags.int("timeout") ?? 60) * 1000 });
        return { data: { messageId: id, done: true, output }, human: JSON.stringify(output, null, 2) };
      }
      const output = await builder.get();
      if (output === undefined) {
        const run = await store.tables().workflowRuns().getByMessageId(id);
        const status = run?.status ?? "QUEUED";
        return { data: { messageId: id, done: false, status }, human: `Not finished: ${status}.` };
      }
      return { data: { messageId: id, done: true, output }, human: JSON.stringify(output, null, 2) };
    },
  },
];

/** The trigger message id `raw` names: itself, or with `byRun` the message of run `raw` (RUN_NOT_FOUND if none). */
async function triggerMessageId(
  raw: string | undefined,
  byRun: boolean,
  store: pgqrs.Store,
  command: string,
): Promise<number> {
  if (!byRun) return idArg(raw, "message id", command);
  return (await findRun(store, raw, false, command)).messageId;
}
