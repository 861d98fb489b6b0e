/** Suspending a run (it waits: for a time, a message, a child, an event) and waking it. */
import type { RunPrimitiveOps, WakeCondition } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { cols, toRun } from "./postgres-rows.js";

export type RunSuspensionOps = Pick<RunPrimitiveOps, "suspendRun" | "wakeRun">;

const TERMINAL = ["SUCCESS", "ERROR", "CANCELLED"];

/** The arrays `suspendRun`'s wake check takes: topics, child run ids, event (run id, key) pairs. */
function wakeArrays(conds: readonly WakeCondition[]): [string[], number[], number[], string[]] {
  const topics: string[] = [];
  const children: number[] = [];
  const eventRuns: number[] = [];
  const eventKeys: string[] = [];
  for (const c of conds) {
    if (c.kind === "message") topics.push(c.topic);
    else if (c.kind === "child") children.push(c.childRunId);
    else {
      eventRuns.push(c.runId);
      eventKeys.push(c.key);
    }
  }
  return [topics, children, eventRuns, eventKeys];
}

export function createRunSuspensionOps(conn: PostgresConnection): RunSuspensionOps {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const wmessages = conn.t("pgqrs_workflow_messages");
  const events = conn.t("pgqrs_workflow_events");

  // The suspension's first statement: both rows locked (NO KEY UPDATE, as the claim locks messages, so foreign-key
  // checks of inserts referencing them are not blocked). Every waker updates the message row, so it waits here.
  const suspendLockSql = `
    SELECT ${cols.run("r")}, m.consumer_worker_id AS holder, m.archived_at AS message_archived_at
      FROM ${runs} r JOIN ${messages} m ON m.id = $2
     WHERE r.id = $1 AND r.message_id = m.id
       FOR NO KEY UPDATE OF r, m`;

  // The second statement, whose snapshot is taken after the locks: it sees every waker that committed before the
  // lock was granted; a waker still to come waits for this transaction and then finds the message released.
  const suspendWriteSql = `
    WITH cond AS MATERIALIZED (
      SELECT EXISTS (SELECT 1 FROM ${wmessages}
                      WHERE run_id = $1 AND consumed_at IS NULL AND topic OPERATOR(pg_catalog.=) ANY ($7::text[]))
          OR EXISTS (SELECT 1 FROM ${runs} WHERE id = ANY ($8::bigint[]) AND status::text IN ('SUCCESS', 'ERROR', 'CANCELLED'))
          OR EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest($9::bigint[]), pg_catalog.unnest($10::text[])) AS k(run_id, key)
                       JOIN ${events} e ON e.run_id = k.run_id AND e.key OPERATOR(pg_catalog.=) k.key) AS woken),
    r AS (
      UPDATE ${runs} SET status = 'PAUSED', paused_at = $4, updated_at = $4, waiting_for = $5::jsonb
       WHERE id = $1
      RETURNING ${cols.run()}),
    m AS (
      UPDATE ${messages}
         SET consumer_worker_id = NULL, read_ct = GREATEST(read_ct - 1, 0),
             vt = CASE WHEN (SELECT woken FROM cond) THEN $4 ELSE $6 END
       WHERE id = $2 AND consumer_worker_id = $3 AND archived_at IS NULL
      RETURNING id)
    SELECT r.*, (SELECT woken FROM cond) AS woken, (SELECT pg_catalog.count(*) FROM m) AS released FROM r`;

  const wakeSql = `
    WITH ${wakeRunsCte(conn, { name: "w", now: "$2", runIds: "$1::bigint", mode: "scalar" })}
    SELECT (SELECT pg_catalog.count(*) FROM w) AS woken, ${notifyWoken(conn, "w", "notified")}`;

  return {
    async suspendRun(p) {
      return conn.transaction("suspendRun", async (tx) => {
        const [locked] = await tx.prepared("suspend_run_lock", suspendLockSql, [p.runId, p.messageId]);
        const lost = { outcome: "lost" as const, woken: false, run: null };
        if (locked === undefined) return lost;
        const run = toRun(locked);
        if (run.status === "CANCELLING") return { outcome: "cancelling" as const, woken: false, run };
        if (TERMINAL.includes(run.status)) return lost;
        if (locked.holder === null || Number(locked.holder) !== p.workerId) return lost;
        if (locked.message_archived_at !== null && locked.message_archived_at !== undefined) return lost;
        const [row] = await tx.prepared("suspend_run_write", suspendWriteSql, [
          p.runId,
          p.messageId,
          p.workerId,
          p.now,
          p.waitingFor,
          p.until,
          ...wakeArrays(p.wakeIf),
        ]);
        if (row === undefined) return lost;
        return { outcome: "paused" as const, woken: row.woken === true, run: toRun(row) };
      });
    },

    async wakeRun(p) {
      const [row] = await conn.prepared("wake_run", wakeSql, [p.runId, p.now]);
      return Number(row?.woken ?? 0) > 0;
    },
  };
}
