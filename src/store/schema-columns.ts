/**
 * Every column the engine reads or writes, per table: pgqrs 0.15's columns plus this package's additions. Both
 * backends' `verify()` check them, because a database created by Rust/Python pgqrs (or by an older release of this
 * package) can lack an addition while its migrations table says it is up to date. A migration that adds a column
 * the engine uses must add it here too (test/store/pgqrs-compat.test.ts compares this list with a fresh install).
 */
export const REQUIRED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  pgqrs_queues: ["id", "queue_name", "created_at"],
  pgqrs_workers: [
    "id",
    "name",
    "queue_id",
    "started_at",
    "heartbeat_at",
    "shutdown_at",
    "status",
    "background_heartbeat_since",
  ],
  pgqrs_messages: [
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
  ],
  pgqrs_queue_settings: ["queue_id", "retry", "concurrency_limit", "rate_max", "rate_per_ms", "rate_log", "updated_at"],
  pgqrs_workflows: ["id", "name", "queue_id", "created_at"],
  pgqrs_workflow_runs: [
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
    "idempotency_key",
    "waiting_for",
    "attempts",
    "version",
  ],
  pgqrs_workflow_steps: [
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
    "retry_count",
    "retry_at",
    "last_retry_at",
    "attempt_owner",
    "kind",
    "attempt_errors",
  ],
  pgqrs_workflow_messages: [
    "id",
    "run_id",
    "topic",
    "payload",
    "idempotency_key",
    "sender_run_id",
    "created_at",
    "consumed_at",
    "consumed_by_step",
  ],
  pgqrs_workflow_events: ["run_id", "key", "value", "created_at", "updated_at"],
  pgqrs_retention: ["queue_id", "archived_ms", "dead_letters_ms", "finished_runs_ms", "updated_at"],
};

/** `[table, column]` pairs of {@link REQUIRED_COLUMNS}, in table order. */
export function requiredColumnPairs(): [table: string, column: string][] {
  return Object.entries(REQUIRED_COLUMNS).flatMap(([table, columns]) =>
    columns.map((c): [string, string] => [table, c]),
  );
}
