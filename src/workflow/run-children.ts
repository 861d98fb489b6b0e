/** Child workflows: `run.startChild`, `child.result()`, `run.callChild`. */
import { PgqrsError } from "../errors.js";
import { serializePayload } from "../queue/payload-validation.js";
import type { WorkflowStatus } from "../types.js";
import type { WorkflowDefinition } from "./definition.js";
import { isWorkflowDefinition } from "./definition.js";
import type { Run } from "./run.js";
import { assertName, beginOp, field, finishOp, peekOp, recordOp } from "./run-op.js";
import { RunWaitSignal, WAIT_BACKSTOP_MS } from "./run-waits.js";
import { triggerPayload } from "./workflow-versions.js";

/** Options of `run.startChild`. */
export interface StartChildOptions {
  /**
   * The child trigger's idempotency key in its workflow. Default: one derived from the parent run and the operation
   * name, so a replay of the parent never starts the child twice.
   */
  idempotencyKey?: string;
}

/**
 * A child run started by `run.startChild`.
 * @typeParam Output - The child workflow's output type.
 */
export interface ChildRunHandle<Output = unknown> {
  /** The child's run id. */
  readonly runId: number;
  /** The child's trigger message id. */
  readonly messageId: number;
  /**
   * The child's output, waiting durably for it to finish: the parent is PAUSED meanwhile (no slot held) and is
   * woken when the child ends. A child that ends in ERROR or CANCELLED makes it throw CHILD_FAILED, with the
   * child's error in `details.error`.
   */
  result(): Promise<Output>;
}

const FINISHED: readonly WorkflowStatus[] = ["SUCCESS", "ERROR", "CANCELLED"];

/**
 * Start workflow `definition` (or the workflow of that name) with `input` as a child of `run`, once per operation
 * `name`. The child's run exists when this resolves. A definition's workflow is created if it does not exist yet.
 */
export async function startChild<Input, Output>(
  run: Run,
  name: string,
  definition: WorkflowDefinition<Input, Output> | string,
  input: Input,
  options: StartChildOptions = {},
): Promise<ChildRunHandle<Output>> {
  assertName("name", name);
  const workflowName = isWorkflowDefinition(definition) ? definition.name : assertName("definition", definition);
  if (options.idempotencyKey !== undefined) assertName("idempotencyKey", options.idempotencyKey);
  const ctx = run.context;
  const version = isWorkflowDefinition(definition) ? definition.version : undefined;
  const payload = serializePayload(triggerPayload(input, version), ctx.config.validationConfig);
  const ids = await run.activity.track(
    (async () => {
      // Triggered first (idempotent by its key), recorded after: a refused trigger writes nothing.
      const seen = await peekOp(run, name, "child");
      if (seen?.status === "SUCCESS") return { ...childIds(seen.output), fresh: false };
      const trigger = {
        workflowName,
        payload,
        idempotencyKey: options.idempotencyKey ?? `child:${run.id}:${name}`,
        parentRunId: run.id,
        now: run.now(),
      };
      let started: Awaited<ReturnType<typeof ctx.backend.triggerRun>>;
      try {
        started = await ctx.backend.triggerRun(trigger);
      } catch (err) {
        if (!(err instanceof PgqrsError && err.code === "WORKFLOW_NOT_FOUND" && isWorkflowDefinition(definition))) {
          throw err;
        }
        await ctx.backend.createWorkflow({ name: workflowName, now: run.now() });
        started = await ctx.backend.triggerRun(trigger);
      }
      if (started.created) ctx.enqueueSignals.signal(started.message.queueId);
      const output = { childRunId: started.run.id, messageId: started.message.id };
      const recorded = childIds(await recordOp(run, name, "child", { workflow: workflowName }, output));
      // A child this call created has not run yet (unless it is this one's run, recorded earlier).
      return { ...recorded, fresh: started.created && recorded.childRunId === started.run.id };
    })(),
  );
  return {
    runId: ids.childRunId,
    messageId: ids.messageId,
    result: () => childResult<Output>(run, name, ids.childRunId, ids.fresh),
  };
}

function childIds(output: unknown): { childRunId: number; messageId: number } {
  return { childRunId: Number(field(output, "childRunId")), messageId: Number(field(output, "messageId")) };
}

/**
 * `child.result()`: recorded as operation `<name>#result` of the parent. `fresh`: the child was triggered by this
 * very execution, so it is not read before the parent suspends (the suspension's own check wakes the parent at
 * once if the child ended meanwhile).
 */
async function childResult<Output>(run: Run, name: string, childRunId: number, fresh = false): Promise<Output> {
  const opName = `${name}#result`;
  const outcome = await run.activity.track(
    (async () => {
      const step = await beginOp(run, opName, "child-result", { childRunId });
      if (step.status === "SUCCESS") return step.output;
      const child = fresh ? undefined : await run.context.backend.getRun(childRunId);
      if (child === null) {
        return finishOp(run, opName, { status: "ERROR", error: { code: "RUN_NOT_FOUND", childRunId } });
      }
      if (child !== undefined && FINISHED.includes(child.status)) {
        return finishOp(run, opName, { status: child.status, output: child.output, error: child.error });
      }
      const wait = {
        waitingFor: { kind: "child" as const, childRunId, name },
        until: new Date(run.now().getTime() + WAIT_BACKSTOP_MS),
        wakeIf: [{ kind: "child" as const, childRunId }],
      };
      run.activity.addWait(wait);
      throw new RunWaitSignal(run.id, wait);
    })(),
  );
  const status = field(outcome, "status");
  if (status === "SUCCESS") return field(outcome, "output") as Output;
  const error = field(outcome, "error") ?? null;
  throw new PgqrsError("CHILD_FAILED", `Child run ${childRunId} of run ${run.id} ended ${String(status)}`, {
    details: { childRunId, status, error },
  });
}

/** `run.callChild`: start the child and wait for its output. */
export async function callChild<Input, Output>(
  run: Run,
  name: string,
  definition: WorkflowDefinition<Input, Output> | string,
  input: Input,
): Promise<Output> {
  const child = await startChild(run, name, definition, input);
  return child.result();
}
