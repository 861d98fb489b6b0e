/**
 * Column lists of the tables, for statements to name their columns (never `*`), so rows keep one shape even in a
 * database shared with pgqrs releases that add columns of their own. The lists are the engine's (schema-columns.ts).
 */
import {
  MESSAGE_COLUMNS,
  QUEUE_COLUMNS,
  RUN_COLUMNS,
  RUN_EVENT_COLUMNS,
  RUN_MESSAGE_COLUMNS,
  STEP_COLUMNS,
  WORKER_COLUMNS,
  WORKFLOW_COLUMNS,
} from "../schema-columns.js";

/** A queue's settings' columns (`pgqrs_queue_settings`, LEFT JOINed: NULL when the queue has none). */
const QUEUE_SETTINGS = ["retry", "concurrency_limit", "rate_max", "rate_per_ms"];

/** The run columns of `alias` renamed with `prefix`, for a row that also carries another table's columns. */
export function prefixedRunColumns(alias: string, prefix: string): string {
  return RUN_COLUMNS.map((c) => `${alias}.${c} AS ${prefix}${c}`).join(", ");
}

function columns(names: readonly string[], alias?: string): string {
  return names.map((c) => (alias === undefined ? c : `${alias}.${c}`)).join(", ");
}

/** Column list of each table, optionally qualified by a table alias. */
export const cols = {
  message: (alias?: string) => columns(MESSAGE_COLUMNS, alias),
  queue: (alias?: string) => columns(QUEUE_COLUMNS, alias),
  /** The settings columns of a queue row (`toQueue` reads them; absent columns read as no settings). */
  queueSettings: (alias?: string) => columns(QUEUE_SETTINGS, alias),
  worker: (alias?: string) => columns(WORKER_COLUMNS, alias),
  workflow: (alias?: string) => columns(WORKFLOW_COLUMNS, alias),
  run: (alias?: string) => columns(RUN_COLUMNS, alias),
  step: (alias?: string) => columns(STEP_COLUMNS, alias),
};

/** Column lists of the workflow primitives' tables, optionally qualified by a table alias. */
export const primitiveCols = {
  runMessage: (alias?: string) => columns(RUN_MESSAGE_COLUMNS, alias),
  runEvent: (alias?: string) => columns(RUN_EVENT_COLUMNS, alias),
};
