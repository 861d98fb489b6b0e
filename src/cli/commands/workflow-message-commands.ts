/** `pgqrs workflow send` and `pgqrs workflow event`: a run's messages and events from outside. */
import * as pgqrs from "../../index.js";
import { EXIT } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { escapeControls, shortDate, toJson } from "../output.js";
import { idArg } from "../parse-args.js";

/** The `--json` error code of `workflow event` when the event is not set (after `--wait`). */
export const EVENT_NOT_SET = "EVENT_NOT_SET";

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const shown = text.length > 60 ? `${text.slice(0, 59)}…` : text;
    throw new pgqrs.ValidationError(`the message payload must be JSON, got '${shown}'`, { field: "payload" });
  }
}

export const workflowMessageCommands: CommandSpec[] = [
  {
    name: "workflow send",
    summary: "Send a message to a run: its `recv` on the topic receives it (a paused run wakes up)",
    args: [
      { name: "run-id", required: true },
      { name: "topic", required: true },
      { name: "json", required: true },
    ],
    flags: {
      "idempotency-key": {
        type: "string",
        placeholder: "KEY",
        description: "A second send with this key to the run returns the first message and sends nothing",
      },
    },
    details:
      "Errors (exit 1, nothing sent): RUN_NOT_FOUND for an unknown run, INVALID_STATE_TRANSITION for a run that " +
      "has finished (SUCCESS, ERROR, CANCELLING, CANCELLED), VALIDATION_FAILED for a payload that is not JSON or " +
      "a bad topic or key.",
    examples: [
      `pgqrs workflow send 12 approval '{"approved":true}'`,
      `pgqrs workflow send 12 approval '{"approved":true}' --idempotency-key review-7 --json`,
    ],
    async run(ctx) {
      const runId = idArg(ctx.args[0], "run id", "workflow send");
      const topic = ctx.args[1] as string;
      const payload = parsePayload(ctx.args[2] as string);
      const key = ctx.flags.string("idempotency-key");
      const store = await ctx.store();
      const m = await pgqrs.send(store, runId, topic, payload, key === undefined ? {} : { idempotencyKey: key });
      return {
        data: m,
        human: `Sent message ${m.id} to run ${m.runId} on topic ${JSON.stringify(m.topic)} (created ${shortDate(m.createdAt)}).`,
      };
    },
  },
  {
    name: "workflow event",
    summary: "Print the value (JSON) of a run's event; exit 1 if it is not set",
    args: [
      { name: "run-id", required: true },
      { name: "key", required: true },
    ],
    flags: {
      wait: {
        type: "int",
        placeholder: "MS",
        description: "Wait up to this many milliseconds for the event to be set (default 0: look once)",
      },
    },
    details:
      "Prints the value the run set with `run.setEvent(key, value)` (the last one). When the event is not set " +
      `(after --wait), prints an error and exits 1; with --json the error's code is ${EVENT_NOT_SET}. ` +
      "RUN_NOT_FOUND for an unknown run.",
    examples: ["pgqrs workflow event 12 progress", "pgqrs workflow event 12 decision --wait 30000 --json"],
    async run(ctx) {
      const runId = idArg(ctx.args[0], "run id", "workflow event");
      const key = ctx.args[1] as string;
      const waitMs = ctx.flags.int("wait") ?? 0;
      const store = await ctx.store();
      // Waits (and checks that the run exists); the record then gives the value, `null` values included.
      await pgqrs.getEvent(store, runId, key, { timeoutMs: waitMs });
      const event = (await pgqrs.admin(store).runEvents(runId)).find((e) => e.key === key);
      if (event !== undefined) return { data: event, human: JSON.stringify(event.value, null, 2) };
      const message =
        `Event ${JSON.stringify(key)} of run ${runId} is not set` +
        (waitMs > 0 ? ` (waited ${waitMs} ms)` : "; pass --wait MS to wait for it");
      if (ctx.json) ctx.out.write(`${toJson({ error: { code: EVENT_NOT_SET, message } })}\n`);
      else ctx.err.write(`pgqrs: ${escapeControls(message)}\n`);
      return { data: null, human: "", exitCode: EXIT.error, printed: true };
    },
  },
];
