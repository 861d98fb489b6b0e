/**
 * What a SQLite file must hold beyond its tables, for install (which adds what is missing) and verify (which
 * checks it): indexes with their definitions and the columns this package adds to pgqrs's tables (the deletes that
 * must cascade are in sqlite-cascade-spec.ts). A file created by Rust/Python pgqrs 0.15 has pgqrs's tables without
 * any of our additions.
 */

export interface IndexSpec {
  name: string;
  table: string;
  /** Key columns in order; a descending one reads `"priority DESC"`. */
  columns: readonly string[];
  /** A UNIQUE index (checked by verify only where set). */
  unique?: true;
  /** The partial index's condition as written in its CREATE INDEX, or null for a full index. */
  where: string | null;
  /** `pgqrs`: created by pgqrs's own migrations, kept exactly as pgqrs defines it. */
  owner: "pgqrs" | "pgqrs-ts";
  /**
   * Kept (with pgqrs's definition) where pgqrs created it, never created by this package: an index under this name
   * with another definition is dropped, and verify() accepts its absence.
   */
  onlyWherePgqrsCreatedIt?: true;
}

export const INDEXES: readonly IndexSpec[] = [
  // pgqrs 0.15 (migrations/sqlite/02, 03, 05), exactly as pgqrs defines them.
  { name: "idx_workers_queue_id", table: "pgqrs_workers", columns: ["queue_id"], where: null, owner: "pgqrs" },
  { name: "idx_workers_status", table: "pgqrs_workers", columns: ["status"], where: null, owner: "pgqrs" },
  // Every claim, archive and enqueue would maintain it beside idx_messages_claim, which serves pgqrs's claim as well
  // (queue_id =, archived_at IS NULL, ORDER BY enqueued_at): measured 30% slower drains on SQLite with both.
  {
    name: "idx_messages_hot_path",
    table: "pgqrs_messages",
    columns: ["queue_id", "vt", "enqueued_at", "id"],
    where: "archived_at IS NULL",
    owner: "pgqrs",
    onlyWherePgqrsCreatedIt: true,
  },
  {
    name: "idx_messages_consumer_active",
    table: "pgqrs_messages",
    columns: ["consumer_worker_id"],
    where: "archived_at IS NULL AND consumer_worker_id IS NOT NULL",
    owner: "pgqrs",
  },
  {
    name: "idx_messages_archived_at",
    table: "pgqrs_messages",
    columns: ["queue_id", "archived_at"],
    where: "archived_at IS NOT NULL",
    owner: "pgqrs",
  },
  {
    name: "idx_workflow_runs_message_id",
    table: "pgqrs_workflow_runs",
    columns: ["message_id"],
    where: null,
    owner: "pgqrs",
  },
  { name: "idx_workflow_runs_status", table: "pgqrs_workflow_runs", columns: ["status"], where: null, owner: "pgqrs" },
  {
    name: "idx_workflow_steps_status",
    table: "pgqrs_workflow_steps",
    columns: ["status"],
    where: null,
    owner: "pgqrs",
  },
  // This package's, under names pgqrs does not use.
  {
    name: "idx_workers_queue_status",
    table: "pgqrs_workers",
    columns: ["queue_id", "status"],
    where: null,
    owner: "pgqrs-ts",
  },
  { name: "idx_workers_heartbeat", table: "pgqrs_workers", columns: ["heartbeat_at"], where: null, owner: "pgqrs-ts" },
  // The claim: queue_id = ? AND archived_at IS NULL AND +vt <= ? ORDER BY priority DESC, enqueued_at, id LIMIT ?.
  // Walking (priority DESC, enqueued_at, id) lets it stop after LIMIT rows, checking vt inside the index; pgqrs's
  // hot-path index (vt second), on files pgqrs created, makes SQLite sort the whole visible backlog on every claim
  // (measured 4k vs 20k msgs/s draining a 22k backlog in batches of 10), which is why the claim's `+vt` keeps the
  // planner off it. Migration 0010 added `priority` (before it: (queue_id, enqueued_at, id, vt)).
  {
    name: "idx_messages_claim",
    table: "pgqrs_messages",
    columns: ["queue_id", "priority DESC", "enqueued_at", "id", "vt"],
    where: "archived_at IS NULL",
    owner: "pgqrs-ts",
  },
  // Queue controls (migration 0010): one unarchived message per dedup key, recent archived ones of a key (dedup
  // windows), and the group head check of the claim.
  {
    name: "idx_messages_dedup_active",
    table: "pgqrs_messages",
    columns: ["queue_id", "dedup_key"],
    unique: true,
    where: "archived_at IS NULL AND dedup_key IS NOT NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_messages_dedup_archived",
    table: "pgqrs_messages",
    columns: ["queue_id", "dedup_key", "archived_at"],
    where: "dedup_key IS NOT NULL AND archived_at IS NOT NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_messages_group",
    table: "pgqrs_messages",
    columns: ["queue_id", "group_key", "id"],
    where: "archived_at IS NULL AND group_key IS NOT NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_messages_retried",
    table: "pgqrs_messages",
    columns: ["queue_id"],
    where: "archived_at IS NULL AND read_ct >= 2",
    owner: "pgqrs-ts",
  },
  { name: "idx_workflows_queue_id", table: "pgqrs_workflows", columns: ["queue_id"], where: null, owner: "pgqrs-ts" },
  // Run listings (migration 0008): the composite replaced idx_workflow_runs_workflow_id of 0001.
  {
    name: "idx_workflow_runs_created",
    table: "pgqrs_workflow_runs",
    columns: ["created_at", "id"],
    where: null,
    owner: "pgqrs-ts",
  },
  {
    name: "idx_workflow_runs_workflow_created",
    table: "pgqrs_workflow_runs",
    columns: ["workflow_id", "created_at", "id"],
    where: null,
    owner: "pgqrs-ts",
  },
  {
    name: "idx_workflow_runs_status_created",
    table: "pgqrs_workflow_runs",
    columns: ["status", "created_at", "id"],
    where: null,
    owner: "pgqrs-ts",
  },
  // The workflow primitives (migration 0005). Step 3 of an older file skips them: their columns do not exist yet.
  {
    name: "idx_workflow_runs_idempotency",
    table: "pgqrs_workflow_runs",
    columns: ["workflow_id", "idempotency_key"],
    where: "idempotency_key IS NOT NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_workflow_runs_parent",
    table: "pgqrs_workflow_runs",
    columns: ["parent_run_id"],
    where: "parent_run_id IS NOT NULL",
    owner: "pgqrs-ts",
  },
  // Forks of runs (migration 0007).
  {
    name: "idx_workflow_runs_forked_from",
    table: "pgqrs_workflow_runs",
    columns: ["forked_from_run_id"],
    where: "forked_from_run_id IS NOT NULL",
    owner: "pgqrs-ts",
  },
  // Workflow versions (migration 0009).
  {
    name: "idx_workflow_runs_version_created",
    table: "pgqrs_workflow_runs",
    columns: ["version", "created_at", "id"],
    where: "version IS NOT NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_workflow_messages_idempotency",
    table: "pgqrs_workflow_messages",
    columns: ["run_id", "idempotency_key"],
    where: "idempotency_key IS NOT NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_workflow_messages_pending",
    table: "pgqrs_workflow_messages",
    columns: ["run_id", "topic", "id"],
    where: "consumed_at IS NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_workflow_messages_run",
    table: "pgqrs_workflow_messages",
    columns: ["run_id", "id"],
    where: null,
    owner: "pgqrs-ts",
  },
  // Schedules (migration 0011).
  {
    name: "idx_schedules_name",
    table: "pgqrs_schedules",
    columns: ["name"],
    unique: true,
    where: null,
    owner: "pgqrs-ts",
  },
  {
    name: "idx_schedules_due",
    table: "pgqrs_schedules",
    columns: ["next_run_at"],
    where: "paused = 0 AND next_run_at IS NOT NULL",
    owner: "pgqrs-ts",
  },
  {
    name: "idx_schedules_workflow",
    table: "pgqrs_schedules",
    columns: ["workflow_id"],
    where: "workflow_id IS NOT NULL",
    owner: "pgqrs-ts",
  },
  { name: "idx_schedules_queue", table: "pgqrs_schedules", columns: ["queue_id"], where: null, owner: "pgqrs-ts" },
];

/** Columns this package adds to pgqrs's tables, with the declaration `ALTER TABLE … ADD COLUMN` uses. */
export const ADDED_COLUMNS: readonly (readonly [table: string, column: string, declaration: string])[] = [
  ["pgqrs_messages", "dead_lettered_at", "TEXT"],
  // The columns of migration 0010 are added by its SQL (migrations run in order, so never before it).
  ["pgqrs_workflow_steps", "attempt_owner", "TEXT"],
];

/** A key column's name without its direction (`"priority DESC"` → `"priority"`). */
export function columnName(column: string): string {
  return column.replace(/\s+(ASC|DESC)$/i, "");
}

/** The `CREATE INDEX IF NOT EXISTS` statement of `i`. */
export function createIndexSql(i: IndexSpec): string {
  const where = i.where === null ? "" : ` WHERE ${i.where}`;
  return `CREATE ${i.unique === true ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${i.name} ON ${i.table} (${i.columns.join(", ")})${where}`;
}
