/**
 * The columns, indexes and constraints `verify()` requires beyond the tables: a schema created by Rust/Python
 * pgqrs, or upgraded by hand, can have every table and still lack what this package added.
 */
import { requiredColumnPairs } from "../schema-columns.js";
import type { PostgresConnection, Queryable } from "./postgres-connection.js";

/**
 * Indexes the engine's statements (and pgqrs's, which may share the schema) rely on: pgqrs 0.15's, under pgqrs's
 * names, and this package's, under names pgqrs does not use.
 */
export const REQUIRED_INDEXES: readonly string[] = [
  // pgqrs 0.15
  "idx_pgqrs_workers_queue_status",
  "idx_pgqrs_workers_heartbeat",
  "idx_pgqrs_messages_hot_path",
  "idx_pgqrs_messages_consumer_worker_id_active",
  "idx_pgqrs_messages_archived_at",
  "idx_pgqrs_messages_producer_worker_id",
  "idx_pgqrs_workflows_name",
  "idx_pgqrs_workflow_runs_message_id",
  "idx_pgqrs_workflow_runs_status",
  "idx_pgqrs_workflow_steps_status",
  "idx_pgqrs_workflow_steps_retry_at",
  // this package
  "idx_pgqrs_messages_claim",
  "idx_pgqrs_messages_dead_lettered",
  "idx_pgqrs_messages_dedup",
  "idx_pgqrs_messages_dedup_archived",
  "idx_pgqrs_messages_group",
  "idx_pgqrs_messages_retried",
  "idx_pgqrs_workflow_runs_created",
  "idx_pgqrs_workflow_runs_workflow_created",
  "idx_pgqrs_workflow_runs_status_created",
  "idx_pgqrs_workflow_runs_idempotency",
  "idx_pgqrs_workflow_runs_parent",
  "idx_pgqrs_workflow_runs_forked_from",
  "idx_pgqrs_workflow_runs_version_created",
  "idx_pgqrs_workflow_messages_idempotency",
  "idx_pgqrs_workflow_messages_pending",
  "idx_pgqrs_workflow_messages_run",
  // schedules (migration 0014)
  "idx_pgqrs_schedules_name",
  "idx_pgqrs_schedules_due",
  "idx_pgqrs_schedules_workflow",
  "idx_pgqrs_schedules_queue",
  // a workflow by its queue (migration 0019)
  "idx_pgqrs_workflows_queue_id",
  // the rows that reference a worker, for its deletion (migration 0020)
  "idx_pgqrs_messages_consumer_worker_id",
  "idx_pgqrs_workflow_runs_worker_id",
];

/** Functions of this package in the schema: the limited claim, the enqueue from SQL (docs), a run's suspension. */
export const REQUIRED_FUNCTIONS: readonly string[] = ["pgqrs_claim_limited", "pgqrs_enqueue", "pgqrs_suspend_run"];

/** Constraints pgqrs's later migrations refer to by name. */
export const REQUIRED_CONSTRAINTS: readonly (readonly [table: string, constraint: string])[] = [
  ["pgqrs_messages", "fk_messages_queue_id"],
  ["pgqrs_messages", "fk_messages_producer_worker_id"],
  ["pgqrs_messages", "fk_messages_consumer_worker_id"],
  ["pgqrs_workers", "fk_workers_queue_id"],
];

/**
 * What is missing, as one sentence, or undefined. Reads the catalogs (not information_schema, which hides objects
 * the role has no privilege on), so a DML-only role gets the same answer as the owner.
 */
export async function missingObjects(tx: Queryable, conn: PostgresConnection): Promise<string | undefined> {
  const pairs = requiredColumnPairs();
  const columns = await tx.query<{ t: string; c: string }>(
    "verify",
    `SELECT e.t, e.c FROM ROWS FROM (pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[])) WITH ORDINALITY AS e(t, c, n)
      WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_class r ON r.oid = a.attrelid
          JOIN pg_catalog.pg_namespace s ON s.oid = r.relnamespace
         WHERE s.nspname::text = $1 AND r.relname::text = e.t AND a.attname::text = e.c
           AND a.attnum > 0 AND NOT a.attisdropped)
      ORDER BY e.n`,
    [conn.schema, pairs.map(([t]) => t), pairs.map(([, c]) => c)],
  );
  if (columns.length > 0) {
    const list = columns.map((r) => `${r.t}.${r.c}`).join(", ");
    return `column${columns.length > 1 ? "s" : ""} ${list} missing in schema '${conn.schema}'. Run install().`;
  }
  const indexes = await tx.query<{ i: string }>(
    "verify",
    `SELECT e.i FROM pg_catalog.unnest($2::text[]) WITH ORDINALITY AS e(i, n)
      WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_class x JOIN pg_catalog.pg_namespace s ON s.oid = x.relnamespace
         WHERE s.nspname::text = $1 AND x.relname::text = e.i AND x.relkind = 'i')
      ORDER BY e.n`,
    [conn.schema, REQUIRED_INDEXES],
  );
  if (indexes.length > 0) {
    const list = indexes.map((r) => r.i).join(", ");
    return `index${indexes.length > 1 ? "es" : ""} ${list} missing in schema '${conn.schema}'. Run install().`;
  }
  const functions = await tx.query<{ f: string }>(
    "verify",
    `SELECT e.f FROM pg_catalog.unnest($2::text[]) WITH ORDINALITY AS e(f, n)
      WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace s ON s.oid = p.pronamespace
         WHERE s.nspname::text = $1 AND p.proname::text = e.f)
      ORDER BY e.n`,
    [conn.schema, REQUIRED_FUNCTIONS],
  );
  if (functions.length > 0) {
    const list = functions.map((r) => r.f).join(", ");
    return `function${functions.length > 1 ? "s" : ""} ${list} missing in schema '${conn.schema}'. Run install().`;
  }
  const constraints = await tx.query<{ t: string; k: string }>(
    "verify",
    `SELECT e.t, e.k FROM ROWS FROM (pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[])) WITH ORDINALITY AS e(t, k, n)
      WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint k
          JOIN pg_catalog.pg_class r ON r.oid = k.conrelid
          JOIN pg_catalog.pg_namespace s ON s.oid = r.relnamespace
         WHERE s.nspname::text = $1 AND r.relname::text = e.t AND k.conname::text = e.k)
      ORDER BY e.n`,
    [conn.schema, REQUIRED_CONSTRAINTS.map(([t]) => t), REQUIRED_CONSTRAINTS.map(([, k]) => k)],
  );
  if (constraints.length > 0) {
    const list = constraints.map((r) => `${r.k} on ${r.t}`).join(", ");
    return `constraint${constraints.length > 1 ? "s" : ""} ${list} missing in schema '${conn.schema}'. Run install().`;
  }
  return undefined;
}
