/**
 * Column lists of the tables, for statements to name their columns (never `*`), so rows keep one shape even in a
 * database shared with pgqrs releases that add columns of their own.
 */

const MESSAGE = [
  "id",
  "queue_id",
  "payload",
  "vt",
  "enqueued_at",
  "read_ct",
  "dequeued_at",
  "producer_worker_id",
  "consumer_worker_id",
  "archived_at",
  "dead_lettered_at",
  "priority",
  "dedup_key",
  "group_key",
  "last_error",
  "headers",
  "progress",
];
/** A queue's columns and its settings' (`pgqrs_queue_settings`, LEFT JOINed: NULL when the queue has none). */
const QUEUE = ["id", "queue_name", "created_at"];
const QUEUE_SETTINGS = ["retry", "concurrency_limit", "rate_max", "rate_per_ms"];
const WORKER = ["id", "name", "queue_id", "started_at", "heartbeat_at", "shutdown_at", "status"];
/** The run table's columns, in the order the run mappers read them. */
export const RUN = [
  "id",
  "workflow_id",
  "message_id",
  "status",
  "input",
  "output",
  "error",
  "created_at",
  "updated_at",
  "started_at",
  "paused_at",
  "completed_at",
  "worker_id",
  "parent_run_id",
  "forked_from_run_id",
  "waiting_for",
  "attempts",
  "version",
];
const STEP = [
  "id",
  "run_id",
  "step_name",
  "status",
  "input",
  "output",
  "error",
  "created_at",
  "updated_at",
  "started_at",
  "completed_at",
  "retry_at",
  "retry_count",
  "kind",
  "attempt_errors",
];

/** The run columns of `alias` renamed with `prefix`, for a row that also carries another table's columns. */
export function prefixedRunColumns(alias: string, prefix: string): string {
  return RUN.map((c) => `${alias}.${c} AS ${prefix}${c}`).join(", ");
}

function columns(names: readonly string[], alias?: string): string {
  return names.map((c) => (alias === undefined ? c : `${alias}.${c}`)).join(", ");
}

/** Column list of each table, optionally qualified by a table alias. */
export const cols = {
  message: (alias?: string) => columns(MESSAGE, alias),
  queue: (alias?: string) => columns(QUEUE, alias),
  /** The settings columns of a queue row (`toQueue` reads them; absent columns read as no settings). */
  queueSettings: (alias?: string) => columns(QUEUE_SETTINGS, alias),
  worker: (alias?: string) => columns(WORKER, alias),
  workflow: (alias?: string) => columns(["id", "name", "queue_id", "created_at"], alias),
  run: (alias?: string) => columns(RUN, alias),
  step: (alias?: string) => columns(STEP, alias),
};

const RUN_MESSAGE = [
  "id",
  "run_id",
  "topic",
  "payload",
  "idempotency_key",
  "sender_run_id",
  "created_at",
  "consumed_at",
  "consumed_by_step",
];
const RUN_EVENT = ["run_id", "key", "value", "created_at", "updated_at"];

/** Column lists of the workflow primitives' tables, optionally qualified by a table alias. */
export const primitiveCols = {
  runMessage: (alias?: string) => columns(RUN_MESSAGE, alias),
  runEvent: (alias?: string) => columns(RUN_EVENT, alias),
};
