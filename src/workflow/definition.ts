import { ValidationError } from "../errors.js";
import type { RetentionOptions } from "../retention/retention-policy.js";
import { assertRetentionSetting } from "../retention/retention-setting.js";
import { type RetryOption, resolveRetryPolicy } from "./retry-policy.js";
import type { Run } from "./run.js";
import { assertVersion } from "./workflow-versions.js";

/** A workflow function: receives its run and the trigger input, returns the output. */
export type WorkflowFn<Input, Output> = (run: Run, input: Input) => Promise<Output>;

/**
 * A workflow definition as a value (pgqrs's `#[pgqrs_workflow]` / `@workflow`).
 * @typeParam Input - The input a trigger gives the workflow function.
 * @typeParam Output - What the workflow function returns (a run's output).
 */
export interface WorkflowDefinition<Input = unknown, Output = unknown> {
  /** The workflow's name, also its trigger queue's name. */
  readonly name: string;
  /** Default retry policy of this workflow's steps (`false`: no retries). */
  readonly retry: RetryOption | undefined;
  /** The workflow function, run once per execution of a run (replaying finished steps from their rows). */
  readonly fn: WorkflowFn<Input, Output>;
  /** The definition's version (see {@link WorkflowOptions.version}), or `undefined`. */
  readonly version?: string;
  /** The retention its `create` sets (see {@link WorkflowOptions.retention}), or `undefined`. */
  readonly retention?: RetentionOptions | false;
}

/** Options of {@link defineWorkflow}. */
export interface WorkflowOptions {
  /** Name of the workflow and of its queue. */
  name: string;
  /**
   * Retry policy of its steps, for any error a step throws except a `NonRetryableError`: `{ maxAttempts, backoff }`
   * (retries after the first execution; missing fields take the defaults) or `false` (no retries). Default 3
   * retries, exponential backoff with jitter, base 1 s, cap 60 s. A step's own `retry` replaces it.
   */
  retry?: RetryOption;
  /**
   * Version of this code (1 to 64 characters, e.g. `"2026-12-02"` or `"v2"`): its triggers record it on their runs,
   * and its workers execute only runs of this version (or of none) unless told otherwise. Default: none (its runs
   * have no version, and its workers execute runs of every version). See docs/guides/workflow-versions.md.
   */
  version?: string;
  /**
   * How long its finished runs (with steps, messages and events), archived triggers and dead letters are kept:
   * `{ finishedRuns: "30d", archived: "7d", deadLetters: "30d" }` (the defaults) or `false` (forever). Set when
   * the workflow is created (`pgqrs.workflow(def).create(store)`, idempotent: each create sets it again), like
   * `admin(store).setRetention(name, retention)`. Default: leave the stored policy as it is.
   */
  retention?: RetentionOptions | false;
}

/** Define a workflow: `defineWorkflow({ name: "process_task" }, async (run, input: Input) => output)`. */
export function defineWorkflow<Input = unknown, Output = unknown>(
  options: WorkflowOptions | string,
  fn: WorkflowFn<Input, Output>,
): WorkflowDefinition<Input, Output> {
  const opts = typeof options === "string" ? { name: options } : options;
  if (typeof opts?.name !== "string" || opts.name.length === 0) {
    throw new ValidationError("a workflow needs a non-empty name");
  }
  if (typeof fn !== "function") {
    throw new ValidationError(`workflow '${opts.name}' needs a function`);
  }
  // Checked here, so a bad policy is an error of the definition, before any run is triggered or written.
  if (opts.retry !== undefined) resolveRetryPolicy(opts.retry);
  if (opts.version !== undefined) assertVersion("version", opts.version);
  if (opts.retention !== undefined) assertRetentionSetting(opts.retention, false);
  return Object.freeze({
    name: opts.name,
    retry: opts.retry,
    fn,
    ...(opts.version === undefined ? {} : { version: opts.version }),
    ...(opts.retention === undefined ? {} : { retention: opts.retention }),
  });
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
