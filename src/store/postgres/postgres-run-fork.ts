/**
 * Forking a run on PostgreSQL (store/run-operations.ts): a new run of the same workflow and input whose steps
 * before the chosen one are copied from the original, so it replays them and runs the rest. One transaction.
 */
import type { ForkRunResult, RunOperationOps } from "../run-operations.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";
import { cols, toRun } from "./postgres-rows.js";

export function createRunForkOps(conn: PostgresConnection): Pick<RunOperationOps, "forkRun"> {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const steps = conn.t("pgqrs_workflow_steps");
  const channel = enqueueChannel(conn.schema);

  // Fork: what the original is, and where step $2 sits in its creation order.
  const forkReadSql = `
    SELECT ${cols.run("r")}, m.queue_id AS fork_queue_id, s.id AS from_step_id
      FROM ${runs} r JOIN ${messages} m ON m.id = r.message_id
      LEFT JOIN ${steps} s ON s.run_id = r.id AND s.step_name OPERATOR(pg_catalog.=) $2
     WHERE r.id = $1`;

  // The new trigger and run (as triggerRun writes them), the original's successful steps before step $4 (by
  // created_at, id) copied in that order, and the queue notified.
  const forkWriteSql = `
    WITH m AS (
      INSERT INTO ${messages} (queue_id, payload, read_ct, enqueued_at, vt)
      SELECT $2, o.input, 0, $3, $3 FROM ${runs} o WHERE o.id = $1
      RETURNING id, queue_id, payload),
    r AS (
      INSERT INTO ${runs} (workflow_id, message_id, status, input, created_at, updated_at, forked_from_run_id,
                           version)
      SELECT o.workflow_id, m.id, 'QUEUED', m.payload, $3, $3, o.id, o.version FROM ${runs} o CROSS JOIN m
       WHERE o.id = $1
      RETURNING ${cols.run()}),
    f AS (SELECT id, created_at FROM ${steps} WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $4),
    c AS (
      INSERT INTO ${steps} (run_id, step_name, status, kind, input, output, started_at, completed_at, retry_count,
                            created_at, updated_at)
      SELECT r.id, s.step_name, 'SUCCESS', s.kind, s.input, s.output, $3, $3, s.retry_count, $3, $3
        FROM ${steps} s CROSS JOIN r CROSS JOIN f
       WHERE s.run_id = $1 AND s.status OPERATOR(pg_catalog.=) 'SUCCESS'
         AND (s.created_at < f.created_at OR (s.created_at = f.created_at AND s.id < f.id))
       ORDER BY s.created_at, s.id
      RETURNING 1)
    SELECT r.*, (SELECT pg_catalog.count(*) FROM c) AS copied,
           (SELECT pg_catalog.pg_notify('${channel}', m.queue_id::text) FROM m) AS notified
      FROM r`;

  return {
    async forkRun(p): Promise<ForkRunResult> {
      return conn.transaction("forkRun", async (tx): Promise<ForkRunResult> => {
        const [orig] = await tx.query("forkRun", forkReadSql, [p.runId, p.fromStep]);
        if (orig === undefined) return { outcome: "not-found" };
        if (orig.from_step_id === null) return { outcome: "no-step", run: toRun(orig) };
        const queueId = Number(orig.fork_queue_id);
        const [row] = await tx.query("forkRun", forkWriteSql, [p.runId, queueId, p.now, p.fromStep]);
        if (row === undefined) return { outcome: "not-found" };
        return { outcome: "done", run: toRun(row), queueId, copied: Number(row.copied) };
      });
    },
  };
}
