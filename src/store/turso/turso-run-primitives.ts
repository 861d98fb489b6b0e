/**
 * Cancelling a run tree on Turso, which does not parse recursive CTEs yet (0.7.2: "Recursive CTEs are not yet
 * supported"). The SQLite backend walks the tree with `WITH RECURSIVE`; here the same walk runs level by level
 * inside the one `BEGIN IMMEDIATE` transaction, so the result is the same set of runs, cancelled atomically.
 */
import type { RunRecord } from "../../types.js";
import type { SqliteConnection } from "../sqlite/sqlite-connection.js";
import { type RunRow, toRun } from "../sqlite/sqlite-rows.js";
import { wakeRunMessage } from "../sqlite/sqlite-run-wake.js";
import { encodeTime } from "../sqlite/sqlite-time.js";

/** The run and its descendants by parent_run_id (idx_workflow_runs_parent); a cycle written by hand cannot loop. */
function runTree(c: SqliteConnection, rootId: number): number[] {
  const seen = new Set<number>([rootId]);
  let level = [rootId];
  while (level.length > 0) {
    const next: number[] = [];
    for (const parent of level) {
      for (const { id } of c.all<{ id: number }>(
        "SELECT id FROM pgqrs_workflow_runs WHERE parent_run_id = ?",
        parent,
      )) {
        if (!seen.has(id)) {
          seen.add(id);
          next.push(id);
        }
      }
    }
    level = next;
  }
  return [...seen];
}

const CANCEL_SQL = `UPDATE pgqrs_workflow_runs
   SET status = 'CANCELLING', updated_at = ?, waiting_for = NULL
 WHERE id = ? AND status IN ('QUEUED', 'RUNNING', 'PAUSED')`;

/** The SQLite backend's cancelRunTree (see run-primitives.ts for the contract), without a recursive CTE. */
export function cancelRunTree(c: SqliteConnection, p: { runId: number; now: Date }): RunRecord | null {
  const now = encodeTime(p.now);
  return c.immediate(() => {
    if (c.get<RunRow>("SELECT * FROM pgqrs_workflow_runs WHERE id = ?", p.runId) === undefined) return null;
    for (const id of runTree(c, p.runId)) {
      if (c.run(CANCEL_SQL, now, id) === 1) wakeRunMessage(c, id, now);
    }
    return toRun(c.get<RunRow>("SELECT * FROM pgqrs_workflow_runs WHERE id = ?", p.runId)!);
  });
}
