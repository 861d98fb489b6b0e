/** Idempotent triggers: a workflow's trigger message and its QUEUED run, written together. */
import { PgqrsError } from "../../errors.js";
import { workflowNotCreated } from "../../workflow-not-created.js";
import type { QueueMessage, RunRecord } from "../../types.js";
import type { RunPrimitiveOps, TriggerRunParams } from "../run-primitives.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { isUniqueViolation } from "./postgres-errors.js";
import { enqueueChannel } from "./postgres-listener.js";
import { cols, prefixedRun, prefixedRunColumns, toMessage } from "./postgres-rows.js";

export type RunTriggerOps = Pick<RunPrimitiveOps, "triggerRun">;

/** The unique index of a workflow's trigger keys (`pgqrs_workflow_runs (workflow_id, idempotency_key)`). */
const KEY_INDEX = "idx_pgqrs_workflow_runs_idempotency";

/** Attempts of a keyed trigger whose key's first run disappeared between the conflict and the read. */
const TRIGGER_ATTEMPTS = 3;

/** The trigger statement and the reads of a key's first trigger (by its run id, by the key), for `conn`'s schema. */
function triggerStatements(conn: PostgresConnection): { triggerSql: string; firstSql: string; byKeySql: string } {
  const messages = conn.t("pgqrs_messages");
  const workflows = conn.t("pgqrs_workflows");
  const runs = conn.t("pgqrs_workflow_runs");

  // The message, its run and the queue's notification (as an enqueue's, without origin) in one statement; with a
  // key already used (as this statement's snapshot shows) nothing is inserted and the first trigger comes back.
  // A key taken by a transaction committing after the snapshot makes the run insert fail on the key's unique index
  // (after waiting for that transaction): the statement, message and notification included, writes nothing, and
  // the caller reads the first trigger. So a keyed trigger is one round trip too, with no transaction around it.
  const triggerSql = `
    WITH wf AS (SELECT id, queue_id FROM ${workflows} WHERE name OPERATOR(pg_catalog.=) $1),
    old AS (
      SELECT r.id FROM ${runs} r JOIN wf ON r.workflow_id = wf.id
       WHERE $3::text IS NOT NULL AND r.idempotency_key = $3::text),
    m AS (
      INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt)
      SELECT wf.queue_id, $2::jsonb, 0, $5, $5 FROM wf WHERE NOT EXISTS (SELECT 1 FROM old)
      RETURNING ${cols.message()}),
    r AS (
      INSERT INTO ${runs} (workflow_id, message_id, status, input, created_at, updated_at, parent_run_id,
                           idempotency_key, version)
      SELECT wf.id, m.id, 'QUEUED', m.payload, $5, $5, $4, $3, (m.payload OPERATOR(pg_catalog.->>) 'version') FROM m CROSS JOIN wf
      RETURNING ${cols.run()})
    SELECT (SELECT pg_catalog.count(*) FROM wf) AS workflows, (SELECT id FROM old) AS old_run_id,
           ${cols.message("m")}, ${prefixedRunColumns("r", "run__")},
           (SELECT pg_catalog.pg_notify('${enqueueChannel(conn.schema)}', m.queue_id::text) WHERE r.id IS NOT NULL)
             AS notified
      FROM (SELECT 1) one LEFT JOIN m ON TRUE LEFT JOIN r ON TRUE`;

  const firstSql = `
    SELECT ${cols.message("m")}, ${prefixedRunColumns("r", "run__")}
      FROM ${runs} r JOIN ${messages} m ON m.id = r.message_id
     WHERE r.id = $1`;

  const byKeySql = `
    SELECT ${cols.message("m")}, ${prefixedRunColumns("r", "run__")}
      FROM ${runs} r JOIN ${workflows} w ON w.id = r.workflow_id JOIN ${messages} m ON m.id = r.message_id
     WHERE w.name OPERATOR(pg_catalog.=) $1 AND r.idempotency_key = $2`;

  return { triggerSql, firstSql, byKeySql };
}

export function createRunTriggerOps(conn: PostgresConnection): RunTriggerOps {
  const { triggerSql, firstSql, byKeySql } = triggerStatements(conn);

  function notFound(name: string): PgqrsError {
    return workflowNotCreated(name);
  }

  /** One attempt: the new trigger, the first one of its key, or `null` when the key's run vanished meanwhile. */
  async function attempt(p: TriggerRunParams) {
    const [row] = await conn.prepared("trigger_run", triggerSql, [
      p.workflowName,
      p.payload,
      p.idempotencyKey,
      p.parentRunId,
      p.now,
    ]);
    if (row === undefined || Number(row.workflows) === 0) throw notFound(p.workflowName);
    const run = prefixedRun(row, "run__");
    if (run !== null) return { message: toMessage(row), run, created: true };
    if (row.id !== null && row.id !== undefined)
      throw new PgqrsError("INTERNAL", "triggerRun inserted a message without its run");
    return row.old_run_id === null || row.old_run_id === undefined ? null : first(Number(row.old_run_id));
  }

  async function first(runId: number) {
    const [row] = await conn.query("triggerRun", firstSql, [runId]);
    return row === undefined ? null : found(row);
  }

  function found(row: Row): { message: QueueMessage; run: RunRecord; created: boolean } | null {
    const run = prefixedRun(row, "run__");
    return run === null ? null : { message: toMessage(row), run, created: false };
  }

  async function byKey(p: TriggerRunParams) {
    const [row] = await conn.query("triggerRun", byKeySql, [p.workflowName, p.idempotencyKey]);
    return row === undefined ? null : found(row);
  }

  return {
    async triggerRun(p) {
      for (let n = 1; ; n++) {
        try {
          const made = await attempt(p);
          if (made !== null) return made;
        } catch (err) {
          // Another trigger took the key after this statement's snapshot: its run is the answer.
          const taken =
            p.idempotencyKey !== null && err instanceof PgqrsError && isUniqueViolation(err.cause, KEY_INDEX);
          if (!taken) throw err;
          const existing = await byKey(p);
          if (existing !== null) return existing;
        }
        // Without a key every attempt inserts; with one, the key's first run vanished meanwhile: try again.
        if (p.idempotencyKey === null) throw new PgqrsError("INTERNAL", "triggerRun inserted no run");
        if (n >= TRIGGER_ATTEMPTS) {
          throw new PgqrsError("CONFLICT", `Conflict: trigger key '${p.idempotencyKey}' kept changing; retry`, {
            details: { workflowName: p.workflowName, idempotencyKey: p.idempotencyKey },
          });
        }
      }
    },
  };
}
