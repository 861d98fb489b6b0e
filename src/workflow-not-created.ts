/**
 * WORKFLOW_NOT_FOUND with the next step: the message names the workflow and the calls that create it, so a worker
 * or trigger started before the definition was created says what to run. Shared by the API and both backends
 * (like errors.ts, it depends on nothing else).
 */
import { PgqrsError, type PgqrsErrorDetailsMap } from "./errors.js";

/** The calls that create the workflow `name` (code, store shortcut, CLI), as one sentence. */
export function createWorkflowHint(name: string): string {
  const n = JSON.stringify(name);
  return (
    `Create it once before triggering or serving it: \`await pgqrs.workflow().name(${n}).create(store)\` ` +
    `(or \`await store.createWorkflow(${n})\`, or \`npx pgqrs workflow create ${shellWord(name)}\`)`
  );
}

/** WORKFLOW_NOT_FOUND: the workflow `name` was never created in this database (or was deleted). */
export function workflowNotCreated(
  name: string,
  options: {
    cause?: unknown;
    details?: Omit<PgqrsErrorDetailsMap["WORKFLOW_NOT_FOUND"], "name">;
    context?: string;
  } = {},
): PgqrsError {
  const context = options.context === undefined ? "" : ` (${options.context})`;
  return new PgqrsError(
    "WORKFLOW_NOT_FOUND",
    `Workflow '${name}' not found${context}: it was never created in this database. ${createWorkflowHint(name)}.`,
    { cause: options.cause, details: { name, ...options.details } },
  );
}

/**
 * For a worker of a workflow definition: a QUEUE_NOT_FOUND for the workflow's queue means the workflow itself was
 * never created; anything else (a QUEUE_NOT_FOUND that says the arguments look swapped, too) passes through.
 */
export function asWorkflowNotCreated(err: unknown, name: string): unknown {
  if (!(err instanceof PgqrsError) || err.code !== "QUEUE_NOT_FOUND") return err;
  // A call whose arguments look swapped says so already; that is the likelier mistake.
  if (err.details.swapped === true) return err;
  return workflowNotCreated(name, { cause: err, context: "serving it needs its queue" });
}

function shellWord(s: string): string {
  return /^[\w.@%+=:,/-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
