/** `pgqrs workflow run` and `pgqrs workflow steps`: one run, with what it waits for, its steps, messages, events. */
import * as pgqrs from "../../index.js";
import type { RunRecord } from "../../index.js";
import type { CommandSpec } from "../command.js";
import { keyValues, table } from "../output.js";
import { pauseInfo } from "../../workflow/pause-info.js";
import {
  ATTEMPT_ERROR_COLUMNS,
  attemptErrorRows,
  describeWait,
  EVENT_COLUMNS,
  findRun,
  isoSeconds,
  MESSAGE_COLUMNS,
  STEP_COLUMNS,
} from "./workflow-run-view.js";

const byMessage = {
  message: { type: "boolean", description: "The id is the trigger message's id, not the run's" },
} as const;

/** Child runs listed inline by `workflow run` before "… N more". */
const CHILDREN_SHOWN = 10;

function childList(children: readonly RunRecord[]): string | null {
  if (children.length === 0) return null;
  const shown = children.slice(0, CHILDREN_SHOWN).map((c) => `#${c.id} ${c.status}`);
  const more = children.length - CHILDREN_SHOWN;
  return `${shown.join(", ")}${more > 0 ? `, … ${more} more` : ""}`;
}

export const workflowRunCommands: CommandSpec[] = [
  {
    name: "workflow run",
    summary: "One run: status, what it waits for, input, output or error, steps, messages and events",
    args: [{ name: "id", required: true }],
    flags: byMessage,
    details:
      "A PAUSED run shows what it waits for and until when: `sleeping until 2026-12-02T12:00:00Z`, `message " +
      '"approval" until …` (a `recv`), `child #42` (a child run), `retry of "charge" at …`. The messages sent to ' +
      "the run (received or not) and its events follow its steps; each failed attempt of a step (its number, time " +
      "and error) is listed after the steps.",
    examples: ["pgqrs workflow run 12", "pgqrs workflow run 57 --message --json"],
    async run(ctx) {
      const store = await ctx.store();
      const run = await findRun(store, ctx.args[0], ctx.flags.bool("message"), "workflow run");
      const admin = pgqrs.admin(store);
      const [wf, steps, messages, events, children] = await Promise.all([
        store.tables().workflows().get(run.workflowId),
        store.tables().workflowSteps().listForRun(run.id),
        admin.runMessages(run.id),
        admin.runEvents(run.id),
        admin.childRuns(run.id),
      ]);
      const pause = pauseInfo(run);
      const waiting =
        describeWait(run.waitingFor) ??
        (pause?.resumesAt ? `paused until ${isoSeconds(pause.resumesAt)}` : pause ? "paused" : null);
      return {
        data: {
          ...run,
          workflow: wf?.name ?? null,
          waiting,
          steps,
          messages,
          events,
          children,
        },
        human: [
          keyValues([
            ["run", run.id],
            ["workflow", wf?.name ?? run.workflowId],
            ["message", run.messageId],
            ["status", run.status],
            ["waiting", waiting],
            ["parent", run.parentRunId === null ? null : `#${run.parentRunId}`],
            ["children", childList(children)],
            ["worker", run.workerId],
            ["created", run.createdAt],
            ["started", run.startedAt],
            ["completed", run.completedAt],
            ["input", JSON.stringify(run.input)],
            ["output", JSON.stringify(run.output)],
            // A pause is stored as the run's error, `{ message, resume_after }` in seconds: show its reason instead.
            pause === null
              ? ["error", run.error === null ? null : JSON.stringify(run.error)]
              : ["reason", pause.reason],
          ]),
          table(steps, STEP_COLUMNS, "No steps yet."),
          // Each failed execution of a step, as kept by the step (errors retry by default).
          ...(attemptErrorRows(steps).length === 0 ? [] : [table(attemptErrorRows(steps), ATTEMPT_ERROR_COLUMNS)]),
          table(messages, MESSAGE_COLUMNS, "No messages sent to this run."),
          table(events, EVENT_COLUMNS, "No events."),
        ].join("\n\n"),
      };
    },
  },
  {
    name: "workflow steps",
    summary: "The steps of a run, in order: status, retries, timing, output or error",
    args: [{ name: "id", required: true }],
    flags: byMessage,
    examples: ["pgqrs workflow steps 12", "pgqrs workflow steps 12 --json"],
    async run(ctx) {
      const store = await ctx.store();
      const run = await findRun(store, ctx.args[0], ctx.flags.bool("message"), "workflow steps");
      const steps = await store.tables().workflowSteps().listForRun(run.id);
      return { data: steps, human: table(steps, STEP_COLUMNS, "No steps yet.") };
    },
  },
];
