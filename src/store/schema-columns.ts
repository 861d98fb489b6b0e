/**
 * The tables' columns as this package knows them: what the engine reads (named in every statement) and what a
 * database must have for it to run (`REQUIRED_COLUMNS`, checked by both backends' `verify()`).
 */
/** The columns the engine reads of each table (statements name them, never `*`; rows are read by name). */
export const MESSAGE_COLUMNS: readonly string[] = [
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
/** A queue row's columns (its settings are another table's). */
export const QUEUE_COLUMNS: readonly string[] = ["id", "queue_name", "created_at"];
/** A worker row's columns. */
export const WORKER_COLUMNS: readonly string[] = [
  "id",
  "name",
  "queue_id",
  "started_at",
  "heartbeat_at",
  "shutdown_at",
  "status",
];
/** A workflow definition's columns. */
export const WORKFLOW_COLUMNS: readonly string[] = ["id", "name", "queue_id", "created_at"];
/** A run's columns, in the order the run mappers read them. */
export const RUN_COLUMNS: readonly string[] = [
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
/** A step's columns. */
export const STEP_COLUMNS: readonly string[] = [
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
/** A message sent to a run (`pgqrs_workflow_messages`). */
export const RUN_MESSAGE_COLUMNS: readonly string[] = [
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
/** A run's event (`pgqrs_workflow_events`). */
export const RUN_EVENT_COLUMNS: readonly string[] = ["run_id", "key", "value", "created_at", "updated_at"];

/**
 * Every column the engine reads or writes, per table: pgqrs 0.15's columns plus this package's additions. Both
 * backends' `verify()` check them, because a database created by Rust/Python pgqrs (or by an older release of this
 * package) can lack an addition while its migrations table says it is up to date: the columns the engine reads
 * (the lists below) and those it only writes. A migration that adds a column
 * the engine uses must add it here too (test/store/pgqrs-compat.test.ts compares this list with a fresh install).
 */
export const REQUIRED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  pgqrs_queues: QUEUE_COLUMNS,
  pgqrs_workers: [...WORKER_COLUMNS, "background_heartbeat_since"],
  pgqrs_messages: MESSAGE_COLUMNS,
  pgqrs_queue_settings: ["queue_id", "retry", "concurrency_limit", "rate_max", "rate_per_ms", "rate_log", "updated_at"],
  pgqrs_workflows: WORKFLOW_COLUMNS,
  pgqrs_workflow_runs: [...RUN_COLUMNS, "idempotency_key"],
  pgqrs_workflow_steps: [...STEP_COLUMNS, "last_retry_at", "attempt_owner"],
  pgqrs_workflow_messages: RUN_MESSAGE_COLUMNS,
  pgqrs_workflow_events: RUN_EVENT_COLUMNS,
  pgqrs_schedules: [
    "id",
    "name",
    "cron",
    "timezone",
    "workflow_id",
    "queue_id",
    "input",
    "payload",
    "overlap",
    "catch_up",
    "start_at",
    "end_at",
    "paused",
    "next_run_at",
    "last_run_at",
    "last_status",
    "last_message_id",
    "created_at",
    "updated_at",
  ],
  pgqrs_schedule_ticks: ["schedule_id", "tick_at", "status", "message_id", "fired_at"],
  pgqrs_retention: ["queue_id", "archived_ms", "dead_letters_ms", "finished_runs_ms", "updated_at"],
};

/** `[table, column]` pairs of {@link REQUIRED_COLUMNS}, in table order. */
export function requiredColumnPairs(): [table: string, column: string][] {
  return Object.entries(REQUIRED_COLUMNS).flatMap(([table, columns]) =>
    columns.map((c): [string, string] => [table, c]),
  );
}
