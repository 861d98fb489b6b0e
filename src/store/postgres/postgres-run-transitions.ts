/**
 * Run transitions on PostgreSQL: a guarded status change, and the fused statements that finish a run together with
 * its last step's output and its message's archive. A run reaching a terminal status wakes its parent run in the
 * same statement. The statements are in postgres-run-transition-sql.ts.
 */
import type { StoreBackend, TransitionRunParams } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { toRun } from "./postgres-rows.js";
import { runTransitionSql } from "./postgres-run-transition-sql.js";

export type RunTransitionOps = Pick<
  StoreBackend,
  "transitionRun" | "completeRunAndArchive" | "completeStepThenRunAndArchive"
>;

function transitionValues(p: TransitionRunParams): unknown[] {
  return [p.id, p.from, p.to, p.now, p.output !== undefined, p.output ?? null, p.error !== undefined, p.error ?? null];
}

/** `waiting_for` of a transition, the statement's last parameter (JSON text or null). */
function waitingForValue(p: TransitionRunParams): string | null {
  return p.waitingFor ?? null;
}

export function createRunTransitionOps(conn: PostgresConnection): RunTransitionOps {
  const sql = runTransitionSql(conn);

  return {
    async transitionRun(p) {
      const rows = await conn.prepared("transition_run", sql.transitionRun, [
        ...transitionValues(p),
        waitingForValue(p),
      ]);
      return rows[0] === undefined ? null : toRun(rows[0]);
    },

    async completeStepThenRunAndArchive({ complete, run }) {
      const rows = await conn.prepared("complete_step_then_run", sql.completeStepThenRun, [
        ...transitionValues(run),
        run.messageId,
        run.workerId,
        complete.stepName,
        complete.output,
        complete.owner,
        waitingForValue(run),
      ]);
      const row = rows[0];
      const completed = row?.step_completed === true;
      if (row === undefined || row.id === null || row.id === undefined)
        return { completed, run: null, archived: false };
      return { completed, run: toRun(row), archived: row.archived === true };
    },

    async completeRunAndArchive(p) {
      const rows = await conn.prepared("complete_run_and_archive", sql.completeRunAndArchive, [
        ...transitionValues(p),
        p.messageId,
        p.workerId,
        waitingForValue(p),
      ]);
      const row = rows[0];
      if (row === undefined) return { run: null, archived: false };
      return { run: toRun(row), archived: row.archived === true };
    },
  };
}
