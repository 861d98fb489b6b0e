/** Suspending a run (it waits: for a time, a message, a child, an event) and waking it. */
import type { RunPrimitiveOps, WakeCondition } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { toRun } from "./postgres-rows.js";

export type RunSuspensionOps = Pick<RunPrimitiveOps, "suspendRun" | "wakeRun">;

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
  // The suspension in one round trip: the function (migration 0018) locks the run's and the message's rows, then
  // checks `wakeIf` in a statement of its own, whose snapshot is taken after the locks: it sees every waker that
  // committed before the lock was granted; a waker still to come waits for this transaction and then finds the
  // message released.
  const suspendSql = `
    SELECT s.outcome, s.woken, (s.run).*
      FROM ${conn.q}.pgqrs_suspend_run($1::bigint, $2::bigint, $3::bigint, $4::timestamptz, $5::jsonb,
                                       $6::timestamptz, $7::text[], $8::bigint[], $9::bigint[], $10::text[]) s`;

  const wakeSql = `
    WITH ${wakeRunsCte(conn, { name: "w", now: "$2", runIds: "$1::bigint", mode: "scalar" })}
    SELECT (SELECT pg_catalog.count(*) FROM w) AS woken, ${notifyWoken(conn, "w", "notified")}`;

  return {
    async suspendRun(p) {
      const [row] = await conn.prepared("suspend_run", suspendSql, [
        p.runId,
        p.messageId,
        p.workerId,
        p.now,
        p.waitingFor,
        p.until,
        ...wakeArrays(p.wakeIf),
      ]);
      const outcome = row?.outcome;
      if ((outcome === "paused" || outcome === "cancelling") && row?.id !== null && row?.id !== undefined) {
        return { outcome, woken: row.woken === true, run: toRun(row) };
      }
      return { outcome: "lost" as const, woken: false, run: null };
    },

    async wakeRun(p) {
      const [row] = await conn.prepared("wake_run", wakeSql, [p.runId, p.now]);
      return Number(row?.woken ?? 0) > 0;
    },
  };
}
