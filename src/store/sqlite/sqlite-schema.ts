/** `verify()`: the schema is installed and references are intact. Reads only. */
import { PgqrsError } from "../../errors.js";
import { REQUIRED_COLUMNS } from "../schema-columns.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { columnsOf, deletesCascade, indexMismatch } from "./sqlite-schema-inspect.js";
import { CASCADES } from "./sqlite-cascade-spec.js";
import { INDEXES } from "./sqlite-schema-spec.js";

const TABLES: readonly [table: string, description: string][] = [
  ["pgqrs_queues", "Queue table"],
  ["pgqrs_workers", "Workers table"],
  ["pgqrs_messages", "Messages table"],
  ["pgqrs_workflows", "Workflows table"],
  ["pgqrs_workflow_runs", "Workflow runs table"],
  ["pgqrs_workflow_steps", "Workflow steps table"],
  ["pgqrs_migrations", "Migrations table"],
];

/** Rows whose reference points nowhere (possible only if someone wrote with foreign_keys off). */
const ORPHAN_CHECKS: readonly [sql: string, what: string][] = [
  [
    `SELECT COUNT(*) AS n FROM pgqrs_messages m
     WHERE NOT EXISTS (SELECT 1 FROM pgqrs_queues q WHERE q.id = m.queue_id)`,
    "messages with invalid queue_id references",
  ],
  [
    `SELECT COUNT(*) AS n FROM pgqrs_messages m
     WHERE (m.producer_worker_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM pgqrs_workers w WHERE w.id = m.producer_worker_id))
        OR (m.consumer_worker_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM pgqrs_workers w WHERE w.id = m.consumer_worker_id))`,
    "messages with invalid worker refs",
  ],
  [
    `SELECT COUNT(*) AS n FROM pgqrs_workers w
     WHERE w.queue_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pgqrs_queues q WHERE q.id = w.queue_id)`,
    "workers with invalid queue_id references",
  ],
  [
    `SELECT COUNT(*) AS n FROM pgqrs_workflows f
     WHERE NOT EXISTS (SELECT 1 FROM pgqrs_queues q WHERE q.id = f.queue_id)`,
    "workflows with invalid queue_id references",
  ],
  [
    `SELECT COUNT(*) AS n FROM pgqrs_workflow_runs r
     WHERE NOT EXISTS (SELECT 1 FROM pgqrs_workflows f WHERE f.id = r.workflow_id)
        OR NOT EXISTS (SELECT 1 FROM pgqrs_messages m WHERE m.id = r.message_id)`,
    "workflow runs with invalid workflow or message references",
  ],
  [
    `SELECT COUNT(*) AS n FROM pgqrs_workflow_steps s
     WHERE NOT EXISTS (SELECT 1 FROM pgqrs_workflow_runs r WHERE r.id = s.run_id)`,
    "workflow steps with invalid run references",
  ],
];

function fail(message: string): never {
  throw new PgqrsError("SCHEMA_VALIDATION", `Schema validation failed: ${message}`);
}

export function verify(c: SqliteConnection): void {
  for (const [table, description] of TABLES) {
    const found = c.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table);
    if (found === undefined) fail(`${description} ('${table}') does not exist; run install() first`);
  }
  verifyObjects(c);
  for (const [sql, what] of ORPHAN_CHECKS) {
    const n = c.get<{ n: number }>(sql)?.n ?? 0;
    if (n > 0) fail(`Found ${n} ${what}`);
  }
}

/** Every column, index and delete cascade the engine relies on (a file made by pgqrs has the tables without them). */
function verifyObjects(c: SqliteConnection): void {
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
    const present = columnsOf(c, table);
    for (const column of columns) if (!present.has(column)) missing.push(`${table}.${column}`);
  }
  if (missing.length > 0) {
    fail(`column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} missing; run install()`);
  }
  for (const index of INDEXES) {
    const mismatch = indexMismatch(c, index);
    if (mismatch === "missing" && index.onlyWherePgqrsCreatedIt === true) continue;
    if (mismatch !== undefined) fail(`index ${index.name} ${mismatch}; run install()`);
  }
  for (const cascade of CASCADES) {
    if (!deletesCascade(c, cascade)) {
      fail(`deleting from ${cascade.parent} does not delete its ${cascade.child} rows; run install()`);
    }
  }
}
