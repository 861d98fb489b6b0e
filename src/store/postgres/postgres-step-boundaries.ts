/**
 * Group commit of a workflow worker's step boundaries: the step outputs, next-step acquisitions and run outcomes of
 * several concurrent runs in one statement, so one round trip and one durable commit carry them all. Each boundary
 * does exactly what its single statement does (postgres-steps.ts `completeStepThenAcquire`/`acquireStepOfRun`,
 * postgres-workflows.ts `completeStepThenRunAndArchive`/`completeRunAndArchive`): completions fenced by their
 * owner, acquisitions only after their completion applied and while the run is live, outcomes only after theirs,
 * archives owner-checked. Rows of different runs never meet: the caller sends at most one boundary per run, and no
 * finish of a run with a parent (that wake is the single statement's). The statement and its values are in
 * postgres-step-boundary-statement.ts; here, the call and the reading of its rows.
 */
import type { WorkflowStatus } from "../../types.js";
import type { StoreBackend } from "../store.js";
import type { StepBoundary, StepBoundaryResult } from "../workflow-store.js";
import type { PostgresConnection, Row } from "./postgres-connection.js";
import { cols, prefixedRun, toStep } from "./postgres-rows.js";
import {
  type AcquireBoundary,
  type FinishBoundary,
  stepBoundaryStatements,
  stepBoundaryValues,
} from "./postgres-step-boundary-statement.js";

export type StepBoundaryOps = Pick<StoreBackend, "stepBoundaries">;

/** The group-commit call; its two statements (durable, asynchronous) are built once, here. */
export function createStepBoundaryOps(conn: PostgresConnection): StepBoundaryOps {
  const steps = conn.t("pgqrs_workflow_steps");
  const { durableSql, asyncSql } = stepBoundaryStatements(conn);

  return {
    async stepBoundaries(boundaries: readonly StepBoundary[]): Promise<StepBoundaryResult[]> {
      const acquires: AcquireBoundary[] = [];
      const finishes: FinishBoundary[] = [];
      for (const b of boundaries) {
        if (b.kind === "acquire") acquires.push(b);
        else finishes.push(b);
      }
      const durable = finishes.length > 0 || acquires.some((b) => b.complete !== undefined);
      const values = stepBoundaryValues(acquires, finishes);
      const rows = durable
        ? await conn.prepared("step_boundaries", durableSql, values)
        : await conn.prepared("step_boundaries_async", asyncSql, values);
      const byKind = { acquire: new Map<number, Row>(), finish: new Map<number, Row>() };
      for (const row of rows) byKind[row.boundary === "finish" ? "finish" : "acquire"].set(Number(row.ord), row);
      let a = 0;
      let f = 0;
      const results: StepBoundaryResult[] = [];
      for (const b of boundaries) {
        if (b.kind === "acquire") {
          a += 1;
          results.push(await acquireResult(b, byKind.acquire.get(a)));
        } else {
          f += 1;
          results.push(finishResult(byKind.finish.get(f)));
        }
      }
      return results;
    },
  };

  /** As the single statements read theirs: a row changed after the statement's snapshot is read again. */
  async function acquireResult(b: AcquireBoundary, row: Row | undefined): Promise<StepBoundaryResult> {
    const completed = row?.completed === true;
    const runStatus = (row?.run_status as WorkflowStatus | null | undefined) ?? null;
    const none = { kind: "acquire" as const, completed, runStatus, step: null, acquired: false };
    if (row === undefined || !completed || row.id === null || row.id === undefined) return none;
    if (row.fresh === true) return { ...none, step: toStep(row), acquired: row.acquired === true };
    const latest = await conn.prepared(
      "boundary_step_by_key",
      `SELECT ${cols.step()} FROM ${steps} WHERE run_id = $1 AND step_name OPERATOR(pg_catalog.=) $2`,
      [b.acquire.runId, b.acquire.stepName],
    );
    return { ...none, step: latest[0] === undefined ? null : toStep(latest[0]) };
  }
}

function finishResult(row: Row | undefined): StepBoundaryResult {
  const completed = row?.completed === true;
  const run = row === undefined ? null : prefixedRun(row, "run__");
  return { kind: "finish", completed, run, archived: run !== null && row?.archived === true };
}
