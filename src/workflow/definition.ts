import { PgqrsError } from "../errors.js";
import type { StepRetryPolicy } from "./retry-policy.js";
import type { Run } from "./run.js";

/** A workflow function: receives its run and the trigger input, returns the output. */
export type WorkflowFn<Input, Output> = (run: Run, input: Input) => Promise<Output>;

/** A workflow definition as a value (pgqrs's `#[pgqrs_workflow]` / `@workflow`). */
export interface WorkflowDefinition<Input = unknown, Output = unknown> {
  readonly name: string;
  /** Default retry policy of this workflow's steps. */
  readonly retry: Partial<StepRetryPolicy> | undefined;
  readonly fn: WorkflowFn<Input, Output>;
}

/** Options of {@link defineWorkflow}. */
export interface WorkflowOptions {
  /** Name of the workflow and of its queue. */
  name: string;
  /** Retry policy of its steps. Default 3 retries, exponential backoff with jitter, base 1 s, cap 60 s. */
  retry?: Partial<StepRetryPolicy>;
}

/** Define a workflow: `defineWorkflow({ name: "process_task" }, async (run, input: Input) => output)`. */
export function defineWorkflow<Input = unknown, Output = unknown>(
  options: WorkflowOptions | string,
  fn: WorkflowFn<Input, Output>,
): WorkflowDefinition<Input, Output> {
  const opts = typeof options === "string" ? { name: options } : options;
  if (typeof opts?.name !== "string" || opts.name.length === 0) {
    throw new PgqrsError("VALIDATION_FAILED", "Validation failed: a workflow needs a non-empty name");
  }
  if (typeof fn !== "function") {
    throw new PgqrsError("VALIDATION_FAILED", `Validation failed: workflow '${opts.name}' needs a function`);
  }
  return Object.freeze({ name: opts.name, retry: opts.retry, fn });
}

/** True for values made by {@link defineWorkflow}. */
export function isWorkflowDefinition(value: unknown): value is WorkflowDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as WorkflowDefinition).name === "string" &&
    typeof (value as WorkflowDefinition).fn === "function"
  );
}
