/**
 * `pgqrs workflow retry`, `pgqrs workflow resume` and `pgqrs workflow fork`: put a failed run back to work, wake a
 * paused run now, start a new run from a step of an old one. Each is `admin(store).retryRun` / `resumeRun` /
 * `forkRun`; a refusal (a run in a state the operation cannot act on, an unknown run or step) writes nothing.
 */
import * as pgqrs from "../../index.js";
import type { Admin, RunRecord } from "../../index.js";
import { UsageError } from "../cli-errors.js";
import type { CommandContext, CommandSpec } from "../command.js";
import { idArg } from "../parse-args.js";

/**
 * Run `operate` on the store's admin, then name the run's workflow for the human line (`'name'`, or
 * `workflow #id` when the definition is gone) and `--json`.
 */
async function operateOnRun(
  ctx: CommandContext,
  operate: (admin: Admin) => Promise<RunRecord>,
): Promise<{ run: RunRecord; label: string; data: RunRecord & { workflow: string | null } }> {
  const store = await ctx.store();
  const run = await operate(pgqrs.admin(store));
  const wf = await store.tables().workflows().get(run.workflowId);
  return {
    run,
    label: wf === null ? `workflow #${run.workflowId}` : `'${wf.name}'`,
    data: { ...run, workflow: wf?.name ?? null },
  };
}

export const workflowOperationCommands: CommandSpec[] = [
  {
    name: "workflow retry",
    summary: "Put an ERROR or CANCELLED run back to work: succeeded steps replay, the failed step runs again",
    args: [{ name: "run-id", required: true }],
    details:
      "The run keeps its id and input. Steps that succeeded replay their stored outputs; the step that failed runs " +
      "again with a fresh retry budget, when a worker serving the workflow picks the run up. Prints the run; " +
      "--json prints its record. Errors (exit 1, nothing written): RUN_NOT_FOUND for an unknown run, " +
      "INVALID_STATE_TRANSITION for a run that is not ERROR or CANCELLED.",
    examples: ["pgqrs workflow retry 12", "pgqrs workflow retry 12 --json"],
    async run(ctx) {
      const runId = idArg(ctx.args[0], "run id", "workflow retry");
      const { run, label, data } = await operateOnRun(ctx, (admin) => admin.retryRun(runId));
      return {
        data,
        human:
          `Run ${run.id} of ${label} is ${run.status}: a worker serving it runs it again ` +
          `(succeeded steps replay). Follow it with \`pgqrs workflow run ${run.id}\`.`,
      };
    },
  },
  {
    name: "workflow resume",
    summary: "Wake a waiting run now (a sleep, a retry wait or a pause ends; a recv checks again)",
    args: [{ name: "run-id", required: true }],
    details:
      "A worker serving the workflow picks the run up at once and continues it where it stopped. Prints the run; " +
      "--json prints its record. Errors (exit 1, nothing written): RUN_NOT_FOUND for an unknown run, " +
      "INVALID_STATE_TRANSITION for a run that is not waiting (not PAUSED, nor RUNNING with a step retry scheduled).",
    examples: ["pgqrs workflow resume 12", "pgqrs workflow resume 12 --json"],
    async run(ctx) {
      const runId = idArg(ctx.args[0], "run id", "workflow resume");
      const { run, label, data } = await operateOnRun(ctx, (admin) => admin.resumeRun(runId));
      return { data, human: `Run ${run.id} of ${label} resumes now (${run.status}).` };
    },
  },
  {
    name: "workflow fork",
    summary: "Start a new run with a run's input: steps before --from-step replay, the rest execute",
    args: [{ name: "run-id", required: true }],
    flags: {
      "from-step": {
        type: "string",
        placeholder: "NAME",
        description: "The first step the new run executes (required; earlier steps replay the original's outputs)",
      },
    },
    details:
      "The original run is not changed. The new run gets the same input; the steps the original completed before " +
      "NAME replay their outputs, NAME and every later step execute. Prints the new run; --json prints its record. " +
      "A run in any status can be forked. Errors (exit 1, nothing written): RUN_NOT_FOUND for an unknown run, " +
      "VALIDATION_FAILED for a step the run has not recorded.",
    examples: ["pgqrs workflow fork 12 --from-step charge", "pgqrs workflow fork 12 --from-step charge --json"],
    async run(ctx) {
      const runId = idArg(ctx.args[0], "run id", "workflow fork");
      const fromStep = ctx.flags.string("from-step");
      if (fromStep === undefined) throw new UsageError("--from-step NAME is required", "workflow fork");
      const { run, label, data } = await operateOnRun(ctx, (admin) => admin.forkRun(runId, { fromStep }));
      return {
        data,
        human: `Forked run ${runId} from step ${JSON.stringify(fromStep)}: new run ${run.id} of ${label} is ${run.status}. Follow it with \`pgqrs workflow run ${run.id}\`.`,
      };
    },
  },
];
