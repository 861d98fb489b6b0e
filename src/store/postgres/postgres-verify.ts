/**
 * `verify()`: the tables exist in the configured schema (never another schema on the search_path) and message
 * references are intact. Only SELECTs, in a READ ONLY transaction, so it provably writes nothing.
 */
import { PgqrsError, type PgqrsErrorDetailsMap } from "../../errors.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { countOf } from "./postgres-rows.js";
import { missingObjects } from "./postgres-verify-objects.js";

const TABLES: readonly (readonly [table: string, description: string])[] = [
  ["pgqrs_queues", "Queue table"],
  ["pgqrs_workers", "Worker table"],
  ["pgqrs_messages", "Message table"],
  ["pgqrs_workflows", "Workflow table"],
  ["pgqrs_workflow_runs", "Workflow run table"],
  ["pgqrs_workflow_steps", "Workflow step table"],
  ["pgqrs_migrations", "Migrations table"],
];

function invalid(message: string, details: PgqrsErrorDetailsMap["SCHEMA_VALIDATION"] = {}): PgqrsError {
  return new PgqrsError("SCHEMA_VALIDATION", `Schema validation failed: ${message}`, { details });
}

export async function verify(conn: PostgresConnection): Promise<void> {
  const failure = await conn.transaction("verify", async (tx) => {
    await tx.query("verify", "SET TRANSACTION READ ONLY");
    const rows = await tx.query<{ table_name: string }>(
      "verify",
      `SELECT table_name FROM information_schema.tables WHERE table_schema OPERATOR(pg_catalog.=) $1 AND table_name OPERATOR(pg_catalog.=) ANY($2::text[])`,
      [conn.schema, TABLES.map(([t]) => t)],
    );
    const present = new Set(rows.map((r) => r.table_name));
    for (const [table, description] of TABLES) {
      if (!present.has(table)) {
        return invalid(`${description} ('${table}') does not exist in schema '${conn.schema}'. Run install() first.`, {
          schema: conn.schema,
          table,
        });
      }
    }
    const missing = await missingObjects(tx, conn);
    if (missing !== undefined) return invalid(missing, { schema: conn.schema });
    const orphans = await tx.query(
      "verify",
      `SELECT
         (SELECT pg_catalog.count(*) FROM ${conn.t("pgqrs_messages")} m
            LEFT JOIN ${conn.t("pgqrs_queues")} q ON q.id = m.queue_id WHERE q.id IS NULL) AS queues,
         (SELECT pg_catalog.count(*) FROM ${conn.t("pgqrs_messages")} m
            LEFT JOIN ${conn.t("pgqrs_workers")} p ON p.id = m.producer_worker_id
            LEFT JOIN ${conn.t("pgqrs_workers")} c ON c.id = m.consumer_worker_id
           WHERE (m.producer_worker_id IS NOT NULL AND p.id IS NULL)
              OR (m.consumer_worker_id IS NOT NULL AND c.id IS NULL)) AS workers`,
    );
    const badQueues = countOf(orphans, "queues");
    if (badQueues > 0) return invalid(`Found ${badQueues} messages with invalid queue_id references`);
    const badWorkers = countOf(orphans, "workers");
    if (badWorkers > 0) return invalid(`Found ${badWorkers} messages with invalid worker refs`);
    return undefined;
  });
  if (failure !== undefined) throw failure;
}
